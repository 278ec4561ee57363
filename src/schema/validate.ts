// Every option a schema writes into DDL, checked against its grammar where it is declared (and
// again where DDL is written, since option objects belong to the caller). Identifiers are quoted by
// the dialect, but an engine still truncates long ones; values are rendered as escaped literals;
// what remains is spelled into the text as is and must be one of a known set.
import { ArgumentError } from "../errors.js";
import { hasLoneSurrogate } from "../sql/text.js";
import type { ReferenceOptions, ReferentialAction } from "./column.js";

/**
 * PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1), so two long names could name one
 * table; MariaDB refuses more than 64 characters. 63 UTF-8 bytes fits both.
 */
export const MAX_IDENTIFIER_BYTES = 63;

export const REFERENTIAL_ACTIONS: readonly ReferentialAction[] = ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"];

export interface NameSite {
  readonly table?: string;
  readonly column?: string;
}

/** A table, schema, column or constraint name an engine keeps exactly. */
export function checkIdentifier(name: unknown, what: string, site: NameSite = {}): void {
  if (typeof name !== "string" || name.length === 0) throw new ArgumentError(`${what} must be a non-empty string, got ${String(name)}`, site);
  if (name.includes("\0")) throw new ArgumentError(`${what} ${JSON.stringify(name)} contains a NUL character`, site);
  if (hasLoneSurrogate(name)) throw new ArgumentError(`${what} ${JSON.stringify(name)} holds a lone UTF-16 surrogate, which UTF-8 cannot store`, site);
  if (identifierTooLong(name))
    throw new ArgumentError(
      `${what} ${JSON.stringify(name)} is ${Buffer.byteLength(name)} bytes long; PostgreSQL would cut it to ${MAX_IDENTIFIER_BYTES} and MariaDB refuses it`,
      site,
    );
}

export function identifierTooLong(name: string, maxBytes = MAX_IDENTIFIER_BYTES): boolean {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short names need no count.
  return name.length * 3 > maxBytes && Buffer.byteLength(name) > maxBytes;
}

/** ON DELETE / ON UPDATE actions and the constraint name of a foreign key. */
export function checkReferenceOptions(options: ReferenceOptions, site: NameSite): void {
  for (const key of ["onDelete", "onUpdate"] as const) {
    const action = options[key];
    if (action !== undefined && !REFERENTIAL_ACTIONS.includes(action))
      throw new ArgumentError(`Foreign key ${key} must be one of ${REFERENTIAL_ACTIONS.join(", ")}; got ${JSON.stringify(action)}`, site);
  }
  if (options.name !== undefined) checkIdentifier(options.name, "Foreign key name", site);
}
