// MariaDB and MySQL cut an aggregated text (GROUP_CONCAT, JSON_ARRAYAGG, JSON_OBJECTAGG) at the
// session's group_concat_max_len, and at max_allowed_packet whatever that is, with nothing but a
// warning ("Row N was cut by JSON_ARRAYAGG()"). A nested result would lose children: silently when
// the cut falls between two rows, as a JSON syntax error otherwise. The adapter raises
// group_concat_max_len for its sessions (to 1 GiB, the protocol's largest packet), so only
// max_allowed_packet remains; a value that reaches the limit may have been cut and is refused.
import { TruncatedResultError } from "../../errors.js";

/** The session's group_concat_max_len, set when a connection opens. */
export const GROUP_CONCAT_MAX_LEN = 1073741824;

/** Statements whose results can hold a cut aggregate. */
const AGGREGATES = /group_concat|json_arrayagg|json_objectagg/i;
/** Statements that may change the session's limits. */
const LIMITS = /group_concat_max_len|max_allowed_packet/i;

export function aggregates(sql: string): boolean {
  return AGGREGATES.test(sql);
}

export function changesLimits(sql: string): boolean {
  return LIMITS.test(sql);
}

/**
 * Refuses rows holding a value that reached `limit` bytes (the smaller of the session's
 * group_concat_max_len and max_allowed_packet). A cut value ends on a character boundary, so it
 * is at most 3 bytes short of the limit; a UTF-16 string has at most 3 bytes per code unit.
 */
export function refuseCutValues(rows: readonly (readonly unknown[])[], limit: number, sql: string): void {
  const bytes = limit - 3;
  const chars = Math.ceil(bytes / 3);
  for (const row of rows) {
    for (const v of row) {
      const size = typeof v === "string" ? (v.length >= chars ? Buffer.byteLength(v) : 0) : v instanceof Uint8Array ? v.length : 0;
      if (size >= bytes)
        throw new TruncatedResultError(
          `A result value of ${size} bytes reached the server's limit of ${limit} bytes for one value (the smaller of ` +
            `max_allowed_packet and group_concat_max_len), so the server may have cut it: raise max_allowed_packet, ` +
            `or read fewer rows per value (a limit on the nested select, or paging)`,
          { sql },
        );
    }
  }
}
