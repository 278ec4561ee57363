// Migrations: autogenerate (diff.ts), operations as data (operations.ts), their SQL per dialect
// (render-sql.ts, SQLite rebuilds in batch.ts) and TypeScript (render-ts.ts), and the runner.
export { migrate, Migrator, type MigrateOptions, type MigrationState, type MigrationStatus } from "./migrator.js";
export { autogenerate, type GeneratedMigration, type GenerateOptions } from "./generate.js";
export { diffSchemas, type SchemaDiff } from "./diff.js";
export { applyOperation } from "./apply.js";
export { renderOperation } from "./render-sql.js";
export { renderCall, renderMigration, type MigrationSource } from "./render-ts.js";
export { MigrationOps } from "./recorder.js";
export { describeOperation, type Operation, type OperationKind } from "./operations.js";
export type * from "./operations.js";
export {
  specOf,
  sqlTypeOf,
  type CheckSpec,
  type ColumnSpec,
  type DefaultSpec,
  type ForeignKeySpec,
  type IndexSpec,
  type SchemaSpec,
  type TableSpec,
  type TypeSpec,
  type UniqueSpec,
} from "./spec.js";
export { liveSchema } from "./live.js";
export { DEFAULT_VERSION_TABLE } from "./version.js";
