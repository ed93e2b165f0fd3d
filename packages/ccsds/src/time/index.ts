/**
 * `ccsds/time`: the CCSDS time code formats, CCSDS 301.0-B-4 (Time Code Formats, Blue Book,
 * November 2010): CUC (3.2), CDS (3.3), CCS (3.4) and the ASCII codes A and B (3.5), each with
 * explicit or implicit P-field; exact instants (TAI since 1958-01-01), conversions to and from
 * UTC with a replaceable leap-second table, JS `Date`, ISO strings and `number` seconds.
 * @packageDocumentation
 */
export * from './instant.js';
export * from './calendar.js';
export * from './leap-seconds.js';
export * from './cuc.js';
export * from './cds.js';
export * from './ccs.js';
export * from './ascii.js';
export * from './timecode.js';
