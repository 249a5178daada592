import { describe, expect, it } from "vitest";
import { searchHeading, stemsLine, type SearchSummary } from "./search";

const base: SearchSummary = { query: "прорвало трубу", stems: ["прорва", "труб"], total: 0, shown: 0 };

describe("the search's heading", () => {
  it.each<[number, number, string]>([
    [0, 0, "Поиск: «прорвало трубу» — ничего не найдено"],
    [7, 7, "Поиск: «прорвало трубу» — найдено 7"],
    [123, 50, "Поиск: «прорвало трубу» — найдено 123, показаны 50 новых"],
    [12345, 50, "Поиск: «прорвало трубу» — найдено 12\u00a0345, показаны 50 новых"],
  ])("total %i, shown %i", (total, shown, want) => {
    expect(searchHeading({ ...base, total, shown })).toBe(want);
  });

  it("names the word beginnings searched for", () => {
    expect(stemsLine([])).toBe("");
    expect(stemsLine(["труб"])).toBe("Искали слова, начинающиеся с «труб…» — в любой форме, в тексте и адресе");
    expect(stemsLine(["прорва", "труб"])).toBe("Искали обращения, где есть все слова, начинающиеся с «прорва…», «труб…» — в любой форме, в тексте и адресе");
  });
});
