// Arbor ORM, loading with nestedload (see _arbor-orm.ts).
import { arborOrm } from "./_arbor-orm.js";

export default [arborOrm("nestedload", "postgres", 11), arborOrm("nestedload", "sqlite", 11)];
