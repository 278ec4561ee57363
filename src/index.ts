// Arbor's public API.
export * from "./errors.js";
export {
  types,
  customType,
  typeName,
  type SqlType,
  type TypeKind,
  type CustomTypeSpec,
  type ValueOf,
  type TimestampMode,
  type TimestampOptions,
  type TimestampType,
  type TimestampValue,
} from "./sql/types.js";
export { Expr, Labeled, ColumnExpr, OrderBy, type Operand, type TypeOf, type QueryLike } from "./sql/expression.js";
export {
  and,
  or,
  not,
  escapeLike,
  exists,
  notExists,
  value,
  param,
  cast,
  tuple,
  excluded,
  caseWhen,
  fn,
  func,
  FuncExpr,
  type OverSpec,
  type FrameSpec,
} from "./sql/functions.js";
export { select, Select, Compound, Derived, Cte } from "./sql/select.js";
export { insert, update, deleteFrom, Insert, Update, Delete, type SetValues } from "./sql/dml.js";
export { sql, SqlFragment } from "./sql/sql-tag.js";
export { nested, nestedOne, Nested, type NestedOptions } from "./sql/nested.js";
export { Alias, type Source } from "./sql/source.js";
export type { Statement, RowType, RowOfItems, SelectArg, Simplify } from "./sql/statement.js";
export type { CompiledQuery, ParamSlot, ResultColumn } from "./sql/compiled.js";
export { Compiler } from "./sql/compiler.js";
export * as nodes from "./sql/nodes/index.js";
export {
  integer,
  smallint,
  bigint,
  real,
  double,
  numeric,
  text,
  varchar,
  boolean,
  date,
  timestamp,
  timestamptz,
  uuid,
  json,
  bytes,
  enumOf,
  custom,
  Column,
  ColumnBuilder,
  type ColumnDefinition,
  type ReferenceOptions,
  type ReferentialAction,
} from "./schema/column.js";
export {
  table,
  alias,
  Table,
  ForeignKey,
  primaryKey,
  unique,
  index,
  check,
  foreignKey,
  type RowOf,
  type InsertRowOf,
  type ColumnsOf,
  type AnyColumn,
  type TableOptions,
} from "./schema/table.js";
export { MetaData, type DdlTarget, type DdlExecutor } from "./schema/metadata.js";
export {
  reflect,
  describeSchema,
  type CatalogExecutor,
  type ColumnDescription,
  type ReflectOptions,
  type ReflectTarget,
  type SchemaDescription,
  type TableDescription,
} from "./schema/reflect/index.js";
export * from "./migrate/index.js";
export { generateSchemaSource, type CodegenOptions } from "./schema/codegen/index.js";
export { TableGroup, computeGroups } from "./schema/groups.js";
export { selectGroup, type GroupRow, type GroupQueryOptions } from "./schema/group-query.js";
export {
  HashRing,
  RingError,
  DuplicateNodeError,
  UnknownNodeError,
  EmptyRingError,
  RingOptionError,
  InvalidKeyError,
  type HashMode,
  type RingKey,
} from "./shard/ring.js";
export { DdlCompiler } from "./schema/ddl.js";
export type { Dialect, DialectName, Capabilities, Decoder, IsolationLevel, TransactionCharacteristics } from "./dialects/dialect.js";
export { sqliteDialect } from "./dialects/sqlite/dialect.js";
export { postgresDialect } from "./dialects/postgres/dialect.js";
export { mysqlDialect } from "./dialects/mysql/dialect.js";
export { mysqlClientOptions, type MysqlClientOptions } from "./dialects/mysql/client-options.js";
export { ExactDecimal } from "./dialects/mysql/decimal.js";
export { createEngine, Engine, type EngineOptions, type EngineTarget, type Claim } from "./engine/engine.js";
export { Connection, Transaction, type TransactionOptions } from "./engine/connection.js";
export type { StatementOptions } from "./engine/cancel.js";
export type { PoolOptions } from "./engine/pool.js";
export type { StreamOptions } from "./engine/executor.js";
export { Result } from "./engine/result.js";
export type { LogEntry, Logger, Params } from "./engine/executor.js";
export type { CacheOptions, CacheStats } from "./engine/plan-cache.js";
export type { Driver, DriverConnection, DriverResult, FieldInfo, QueryOptions, RowSink } from "./engine/driver.js";
export { Session, SessionSavepoint, type SessionOptions, type SessionEvent, type InstanceInfo } from "./orm/session.js";
export { Model, map, registry, Registry, Mapper, type ModelClass, type ModelInstance, type MapOptions } from "./orm/mapper.js";
export {
  oneToMany,
  manyToOne,
  oneToOne,
  manyToMany,
  type RelationshipOptions,
  type TypedRelationshipOptions,
  type LoaderStrategyName,
} from "./orm/relationships.js";
export { Collection } from "./orm/collection.js";
export { EntityQuery } from "./orm/query.js";
export {
  NotLoadedError,
  ExpiredAttributeError,
  StaleDataError,
  UnmappedClassError,
  SessionStateError,
  DuplicateIdentityError,
  MappingError,
  CircularDependencyError,
} from "./orm/errors.js";
export { nestedload, joinedload, selectinload, lazyload, raiseload, type LoaderOption, type RelKeys } from "./orm/options.js";
export { registerStrategy } from "./orm/strategies.js";
export {
  LoaderStrategy,
  type LoadPlan,
  type LoadContext,
  type RowProcessor,
  type StatementSetup,
  type ChildSetup,
  type SourceWithColumns,
} from "./orm/loader-strategy.js";
export { NestedStrategy, JoinedStrategy, SelectinStrategy } from "./orm/loaders.js";
export type { Entity } from "./orm/state.js";
export { SessionTrace, type SessionTraceOptions } from "./orm/trace/recorder.js";
export { animationHtml, type AnimationOptions } from "./orm/trace/page.js";
export type * from "./orm/trace/format.js";
export type { RenderedValue } from "./orm/trace/values.js";
export { ShardSet, rootKeyText, type ShardSetOptions } from "./shard/shards.js";
export { ShardedEngine } from "./shard/engine.js";
export { ShardedSession, ShardedQuery } from "./shard/session.js";
export {
  rebalance,
  planRebalance,
  RebalanceError,
  RebalanceChecksumError,
  RebalanceScanError,
  RebalanceLockedError,
  GroupMovedError,
  RebalanceInProgressError,
  checksumRows,
  groupChecksum,
  type Move,
  type RebalanceOptions,
  type RebalanceReport,
  type RebalanceProgress,
} from "./shard/rebalance.js";
export { DistributedEngine, type DistributedEngineOptions, type Route } from "./distributed/engine.js";
export type { DistributedKind } from "./distributed/check.js";
export type { BackendServer } from "./distributed/servers.js";
export type { HeadDdlOptions } from "./distributed/spider.js";
export { mariadbHashPartition, postgresHashRemainder } from "./distributed/partition-hash.js";
export { pglite, type PGliteLike, type PGliteAdapterOptions, type PGliteQueryOptions, type PGliteResults } from "./dialects/postgres/pglite.js";
export { nodeSqlite, type NodeSqliteOptions } from "./dialects/sqlite/node-sqlite.js";
export {
  SQLITE_BIGINTS_HINT,
  sqliteDecimalSum,
  sqliteDecimalFunctions,
  sqliteDecimalAggregates,
  type SqliteAggregate,
  type SqliteFunction,
} from "./dialects/sqlite/contract.js";
