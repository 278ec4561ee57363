// Errors raised by the ORM; each names the entity (and key) at fault.
import { ArborError } from "../errors.js";

/** A relationship was touched before it was loaded. */
export class NotLoadedError extends ArborError {}
/** An attribute was read after it expired (commit, rollback, expire()). */
export class ExpiredAttributeError extends ArborError {}
/** An UPDATE or DELETE guarded by a version column matched no row: someone else changed it. */
export class StaleDataError extends ArborError {}
/** The class has not been mapped. */
export class UnmappedClassError extends ArborError {}
/** The object belongs to no session (or another one), or the session is closed. */
export class SessionStateError extends ArborError {}
/** Two objects claim the same identity in one session. */
export class DuplicateIdentityError extends ArborError {}
/** A relationship cannot be configured as declared. */
export class MappingError extends ArborError {}
/** Rows reference each other through keys that no order of statements can satisfy. */
export class CircularDependencyError extends ArborError {}
