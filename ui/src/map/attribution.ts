// The attribution line under the map. The municipal boundaries come from OpenStreetMap (ODbL),
// so the credit must show wherever they are drawn, whatever the backend sends.

export const OSM_ATTRIBUTION = "© OpenStreetMap contributors";

/** The backend's attribution text, always including the OpenStreetMap credit. */
export function attributionText(fromBackend: string): string {
  const text = fromBackend.trim();
  if (text === "") return OSM_ATTRIBUTION;
  return text.includes("OpenStreetMap") ? text : `${OSM_ATTRIBUTION} · ${text}`;
}
