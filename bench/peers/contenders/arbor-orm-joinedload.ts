// Arbor ORM, loading with joinedload (see _arbor-orm.ts).
import { arborOrm } from "./_arbor-orm.js";

export default [arborOrm("joinedload", "postgres", 12)];
