// The save-update cascade on attribute events (SQLAlchemy's unitofwork.track_cascade_events):
// an object appended to a collection, or set on a reference, of an object in a session joins
// that session at once, so that expiring or refreshing the owner before the flush cannot lose
// it. Only the attribute the application changed cascades, not its back-reference (SQLAlchemy's
// future mode).
import { SessionStateError } from "./errors.js";
import type { Relationship } from "./relationships.js";
import { stateOf } from "./state.js";

/** Called before `item` becomes a member of `owner.rel`; raises when the session refuses it. */
export function cascadeOnAttach(owner: object, rel: Relationship, item: object): void {
  const os = stateOf(owner);
  // An object whose DELETE was flushed takes no new members: nothing would write them
  // (SQLAlchemy drops such a change at the flush with a warning; Arbor refuses it here).
  if (os?.status === "deleted" && os.session !== undefined)
    throw new SessionStateError(`${os.mapper.name} ${os.mapper.describeKey(os.dict)} was deleted in this transaction: nothing can be added to its ${rel.key}`);
  if (!rel.cascade.has("save-update")) return;
  const session = os?.session;
  if (session === undefined || (os!.status !== "pending" && os!.status !== "persistent")) return;
  const is = stateOf(item);
  if (is === undefined) return;
  // Already in the session (marked for deletion or not): nothing to add.
  if (is.session === session && (is.status === "pending" || is.status === "persistent")) return;
  // Pending, re-attached, or refused: deleted in this transaction, or another session's.
  session.add(item);
}
