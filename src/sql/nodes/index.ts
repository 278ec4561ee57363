// The node tree: plain immutable objects, one kind per file. Builders create them; the compiler
// and the traversal in ../traverse.ts are exhaustive over NodeKind.
import type { AliasNode } from "./alias.js";
import type { BetweenNode } from "./between.js";
import type { BinaryNode } from "./binary.js";
import type { BindNode } from "./bind.js";
import type { CaseNode } from "./case.js";
import type { CastNode } from "./cast.js";
import type { ColumnNode } from "./column.js";
import type { CompoundNode } from "./compound.js";
import type { CteNode } from "./cte.js";
import type { DeleteNode } from "./delete.js";
import type { DerivedNode } from "./derived.js";
import type { ExcludedNode } from "./excluded.js";
import type { ExistsNode } from "./exists.js";
import type { FuncNode } from "./func.js";
import type { IdentifierNode } from "./identifier.js";
import type { InNode } from "./in-list.js";
import type { InsertNode } from "./insert.js";
import type { JoinNode } from "./join.js";
import type { LabelNode } from "./label.js";
import type { LogicalNode } from "./logical.js";
import type { NestedNode } from "./nested.js";
import type { OrderNode } from "./order.js";
import type { ParamNode } from "./param.js";
import type { RawNode } from "./raw.js";
import type { ScalarNode } from "./scalar.js";
import type { SelectNode } from "./select.js";
import type { StarNode } from "./star.js";
import type { TableNode } from "./table.js";
import type { TupleNode } from "./tuple.js";
import type { UnaryNode } from "./unary.js";
import type { UpdateNode } from "./update.js";
import type { WindowNode } from "./window.js";

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
