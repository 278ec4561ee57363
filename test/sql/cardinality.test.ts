// Which statements Arbor may run with a driver's one-row call: only those that cannot return two.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaData, and, index, integer, insert, or, param, primaryKey, select, text, types } from "../../src/index.js";
import { atMostOneRow } from "../../src/sql/cardinality.js";

const md = new MetaData();
const user = md.table("user", { id: integer().primaryKey(), email: text().unique(), name: text() });
const line = md.table("line", { orderId: integer().notNull(), no: integer().notNull(), sku: text().notNull(), note: text() }, (c) => [
  primaryKey(c.orderId, c.no),
  index([c.sku], { unique: true }),
]);
const other = md.table("other", { id: integer().primaryKey() });

const one = (s: { statementNode: Parameters<typeof atMostOneRow>[0] }) => atMostOneRow(s.statementNode);

test("a pinned primary key or unique key means at most one row", () => {
  assert.equal(one(select(user).where(user.c.id.eq(1))), true);
  assert.equal(one(select(user.c.name).where(user.c.id.eq(param("id", types.integer)))), true);
  assert.equal(one(select(user).where(user.c.email.eq("a@x"))), true);
  assert.equal(
    one(
      select(user)
        .from(user)
        .where(and(user.c.name.eq("x"), user.c.id.eq(2))),
    ),
    true,
  );
  assert.equal(one(select(line).where(and(line.c.orderId.eq(1), line.c.no.eq(2)))), true);
  assert.equal(one(select(line.c.note).where(line.c.sku.eq("s"))), true);
  assert.equal(one(select(user).limit(1)), true);
});

test("anything less pinned may return many rows", () => {
  assert.equal(one(select(user)), false);
  assert.equal(one(select(user).where(user.c.name.eq("x"))), false);
  assert.equal(one(select(user).where(or(user.c.id.eq(1), user.c.id.eq(2)))), false);
  assert.equal(one(select(user).where(user.c.id.gt(1))), false);
  assert.equal(one(select(user).where(user.c.email.eq(null))), false);
  assert.equal(one(select(line).where(line.c.orderId.eq(1))), false);
  assert.equal(one(select(user).limit(2)), false);
  // Another table in the FROM multiplies the row.
  assert.equal(one(select(user.c.id, other.c.id.as("o")).where(user.c.id.eq(1))), false);
  assert.equal(one(select(user).from(user).join(other, other.c.id.eq(user.c.id)).where(user.c.id.eq(1))), false);
  assert.equal(one(select(user.c.id).where(user.c.id.eq(1)).groupBy(user.c.id)), false);
  assert.equal(one(insert(user).values({ id: 1 })), false);
});
