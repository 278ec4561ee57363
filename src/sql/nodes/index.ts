// The node tree: plain immutable objects, one kind per file, each declaring its fields once
// (fields.ts). Builders create them; traversal, shape keys, equality and replacement derive from
// `nodeFields`, and the compiler's dispatch table is exhaustive over NodeKind.
import { type AliasNode, aliasFields } from "./alias.js";
import { type BetweenNode, betweenFields } from "./between.js";
import { type BinaryNode, binaryFields } from "./binary.js";
import { type BindNode, bindFields } from "./bind.js";
import { type CaseNode, caseFields } from "./case.js";
import { type CastNode, castFields } from "./cast.js";
import { type ColumnNode, columnFields } from "./column.js";
import { type CompoundNode, compoundFields } from "./compound.js";
import { type CteNode, cteFields } from "./cte.js";
import { type DeleteNode, deleteFields } from "./delete.js";
import { type DerivedNode, derivedFields } from "./derived.js";
import { type ExcludedNode, excludedFields } from "./excluded.js";
import { type ExistsNode, existsFields } from "./exists.js";
import { type FuncNode, funcFields } from "./func.js";
import { type IdentifierNode, identifierFields } from "./identifier.js";
import { type InNode, inListFields } from "./in-list.js";
import { type InsertNode, insertFields } from "./insert.js";
import { type JoinNode, joinFields } from "./join.js";
import { type LabelNode, labelFields } from "./label.js";
import { type LogicalNode, logicalFields } from "./logical.js";
import { type NestedNode, nestedFields } from "./nested.js";
import { type OrderNode, orderFields } from "./order.js";
import { type ParamNode, paramFields } from "./param.js";
import { type RawNode, rawFields } from "./raw.js";
import { type ScalarNode, scalarFields } from "./scalar.js";
import { type SelectNode, selectFields } from "./select.js";
import { type StarNode, starFields } from "./star.js";
import { type TableNode, tableFields } from "./table.js";
import { type TupleNode, tupleFields } from "./tuple.js";
import { type UnaryNode, unaryFields } from "./unary.js";
import { type UpdateNode, updateFields } from "./update.js";
import { type WindowNode, windowFields } from "./window.js";
import type { Fields } from "./fields.js";

export type { AliasNode, BetweenNode, BinaryNode, BindNode, CaseNode, CastNode, ColumnNode, CompoundNode };
export type { CteNode, DeleteNode, DerivedNode, ExcludedNode, ExistsNode, FuncNode, IdentifierNode, InNode };
export type { InsertNode, JoinNode, LabelNode, LogicalNode, NestedNode, OrderNode, ParamNode, RawNode, ScalarNode };
export type { SelectNode, StarNode, TableNode, TupleNode, UnaryNode, UpdateNode, WindowNode };
export type { BinaryOp } from "./binary.js";
export type { UnaryOp } from "./unary.js";
export type { JoinType } from "./join.js";
export type { CompoundOp } from "./compound.js";
export type { SelectItem } from "./select.js";
export type { OnConflict } from "./insert.js";
export type { TableInfo, ForeignKeyInfo } from "./table.js";
export type { Fields, Role } from "./fields.js";

/** Expressions: everything that has a value and an SQL type. */
export type ExprNode =
  | ColumnNode
  | BindNode
  | ParamNode
  | BinaryNode
  | UnaryNode
  | LogicalNode
  | FuncNode
  | CastNode
  | CaseNode
  | LabelNode
  | InNode
  | BetweenNode
  | ScalarNode
  | ExistsNode
  | WindowNode
  | TupleNode
  | ExcludedNode
  | RawNode
  | StarNode
  | NestedNode;

/** Things a FROM clause can name. */
export type SourceNode = TableNode | AliasNode | DerivedNode | CteNode;
export type FromNode = SourceNode | JoinNode;

export type QueryNode = SelectNode | CompoundNode;
export type StatementNode = QueryNode | InsertNode | UpdateNode | DeleteNode | RawNode;

export type Node = ExprNode | FromNode | StatementNode | OrderNode | IdentifierNode;
export type NodeKind = Node["kind"];
export type NodeOf<K extends NodeKind> = Extract<Node, { kind: K }>;

/** Every kind's field declaration: what traversal, shape keys, equality and replacement derive from. */
export const nodeFields: { readonly [K in NodeKind]: Fields<NodeOf<K>> } = Object.freeze({
  alias: aliasFields,
  between: betweenFields,
  binary: binaryFields,
  bind: bindFields,
  case: caseFields,
  cast: castFields,
  column: columnFields,
  compound: compoundFields,
  cte: cteFields,
  delete: deleteFields,
  derived: derivedFields,
  excluded: excludedFields,
  exists: existsFields,
  func: funcFields,
  identifier: identifierFields,
  in: inListFields,
  insert: insertFields,
  join: joinFields,
  label: labelFields,
  logical: logicalFields,
  nested: nestedFields,
  order: orderFields,
  param: paramFields,
  raw: rawFields,
  scalar: scalarFields,
  select: selectFields,
  star: starFields,
  table: tableFields,
  tuple: tupleFields,
  unary: unaryFields,
  update: updateFields,
  window: windowFields,
});
