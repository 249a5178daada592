// The one error type that crosses from the backend into the UI.
import type { ApiErrorCode } from "./types";

/**
 * A failed backend call: `code` is the closed enum mirrored from Rust (the UI branches on it),
 * `message` is Russian text meant for the user (the UI shows it, never parses it).
 */
export class BackendError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/** Turns a generated `Result` into its data or a thrown {@link BackendError}. */
export function unwrap<T>(result: { status: "ok"; data: T } | { status: "error"; error: { code: ApiErrorCode; message: string } }): T {
  if (result.status === "ok") return result.data;
  throw new BackendError(result.error.code, result.error.message);
}
