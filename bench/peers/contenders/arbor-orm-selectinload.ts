// Arbor ORM, loading with selectinload (see _arbor-orm.ts).
import { arborOrm } from "./_arbor-orm.js";

export default [arborOrm("selectinload", "postgres", 13)];
