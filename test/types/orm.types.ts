// Type-level tests of relationship declarations: `backPopulates` must name a relationship of the
// target class. Each @ts-expect-error fails to compile if the error disappears (npm test runs tsc).
import { manyToMany, manyToOne, oneToMany, oneToOne } from "../../src/index.js";
import { Customer, Order, Tag, Employee, orderTagT } from "../fixtures/orm-shop.js";

// issue 12: the relationship names of the target are accepted.
oneToMany(() => Order, { backPopulates: "customer" });
manyToOne(() => Customer, { backPopulates: "orders" });
manyToMany(() => Tag, { secondary: orderTagT, backPopulates: "orders" });
oneToOne(() => Employee, { backPopulates: "manager" });

// issue 12: a typo in backPopulates fails tsc.
// @ts-expect-error "custmer" is not a relationship of Order
oneToMany(() => Order, { backPopulates: "custmer" });
// @ts-expect-error "num" is a column of Order, not a relationship
oneToMany(() => Order, { backPopulates: "num" });
// @ts-expect-error Customer has "orders", not "order"
manyToOne(() => Customer, { backPopulates: "order" });
// @ts-expect-error toJSON is a method, not a relationship
manyToMany(() => Tag, { secondary: orderTagT, backPopulates: "toJSON" });
