/**
 * The message of a ConnectionError for a lost connection. Drivers often say "Connection lost" (or
 * Arbor's own driver guard does) already; saying it twice reads as two failures.
 */
export function connectionLost(msg: string): string {
  return /^connection lost\b/i.test(msg) ? msg : `Connection lost: ${msg}`;
}
