/**
 * The one error type of the stack (DESIGN.md rule 5). Every decoder throws only
 * {@link CcsdsError}, with a stable {@link CcsdsErrorCode} and, where it applies, the byte
 * offset in the input at which the problem was found.
 */

/** Stable error codes. Programs may switch on them; they never change meaning. */
export const CcsdsErrorCode = {
  /** The input ended before a complete structure was read. */
  TRUNCATED: 'TRUNCATED',
  /** A CRC or checksum did not match. */
  BAD_CRC: 'BAD_CRC',
  /** A field holds a value the standard forbids or that contradicts another field. */
  INVALID_FIELD: 'INVALID_FIELD',
  /** A legal value that this implementation does not handle. */
  UNSUPPORTED: 'UNSUPPORTED',
  /** A configured limit (size, count, depth) would be exceeded. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** An argument given by the caller (not read from the wire) is out of range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A sequence discontinuity that an operation cannot carry on across. */
  SEQUENCE_ERROR: 'SEQUENCE_ERROR',
  /** An operation was attempted in a state that does not allow it. */
  INVALID_STATE: 'INVALID_STATE',
} as const;

/** One of the values of {@link CcsdsErrorCode}. */
export type CcsdsErrorCode = (typeof CcsdsErrorCode)[keyof typeof CcsdsErrorCode];

/** Options for {@link CcsdsError}. */
export interface CcsdsErrorOptions {
  /** Byte offset in the input where the problem was found. */
  offset?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** The error thrown by every codec and engine of the stack. */
export class CcsdsError extends Error {
  /** Stable machine-readable code. */
  readonly code: CcsdsErrorCode;
  /** Byte offset in the input where the problem was found, when it applies. */
  readonly offset: number | undefined;

  /**
   * @param code - stable error code
   * @param message - human-readable description
   * @param options - offset and cause
   */
  constructor(code: CcsdsErrorCode, message: string, options: CcsdsErrorOptions = {}) {
    super(
      options.offset === undefined ? message : `${message} (at offset ${options.offset})`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'CcsdsError';
    this.code = code;
    this.offset = options.offset;
  }
}

/** True when `value` is a {@link CcsdsError}, optionally with the given code. */
export function isCcsdsError(value: unknown, code?: CcsdsErrorCode): value is CcsdsError {
  return value instanceof CcsdsError && (code === undefined || value.code === code);
}

/**
 * Throws `TRUNCATED` unless `bytes` holds at least `needed` octets from `offset`.
 * @param what - what was being read, for the message
 */
export function requireBytes(
  bytes: Uint8Array,
  offset: number,
  needed: number,
  what: string,
): void {
  if (offset + needed > bytes.length) {
    throw new CcsdsError(
      CcsdsErrorCode.TRUNCATED,
      `${what}: need ${needed} octets, ${Math.max(0, bytes.length - offset)} available`,
      { offset },
    );
  }
}

/** Throws `INVALID_ARGUMENT` unless `value` is an integer in `[min, max]`. */
export function checkInteger(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `${what} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
}
