"""The reference side of the ORM oracle: runs scenarios written in the oracle's JSON op language
through SQLAlchemy 1.4 on SQLite and prints what happened, in the same normalised form as the
Arbor runner (runner.ts).

Protocol: one JSON request per line on stdin, {"ddl": [...], "scenarios": [{"name", "ops"}]}; one
JSON answer per line on stdout, a list of {"name", "steps", "db"} in request order. The DDL is
Arbor's own CREATE statements plus the audit triggers (made by model.ts), so both sides run on
the same schema; the declarative classes below mirror model.ts and only map onto it.
"""
import json
import sqlite3
import sys
import warnings

# SQLAlchemy warns (and goes on) where Arbor raises; the outcome is what is compared.
warnings.simplefilter("ignore")

try:
    import sqlalchemy
    from sqlalchemy import Column, ForeignKey, Integer, Table, Text, create_engine, event, inspect, select, update
    from sqlalchemy.orm import declarative_base, relationship, Session
    from sqlalchemy.orm import exc as orm_exc
    from sqlalchemy.pool import StaticPool
    from sqlalchemy import exc as sa_exc
except ImportError as e:  # the test reports this line and fails
    print(json.dumps({"fatal": "SQLAlchemy is not installed for %s: %s" % (sys.executable, e)}), flush=True)
    sys.exit(3)

if not sqlalchemy.__version__.startswith("1.4"):
    print(json.dumps({"fatal": "SQLAlchemy 1.4 is required, found %s" % sqlalchemy.__version__}), flush=True)
    sys.exit(3)

Base = declarative_base()


class Parent(Base):
    __tablename__ = "parent"
    id = Column(Integer, primary_key=True, autoincrement=False)
    name = Column(Text, nullable=False)
    children = relationship("Child", back_populates="parent", cascade="all, delete-orphan", order_by="Child.id")


class Child(Base):
    __tablename__ = "child"
    id = Column(Integer, primary_key=True, autoincrement=False)
    parent_id = Column("parent_id", Integer, ForeignKey("parent.id"), nullable=False)
    name = Column(Text, nullable=False)
    parent = relationship("Parent", back_populates="children")


class Owner(Base):
    __tablename__ = "owner"
    id = Column(Integer, primary_key=True, autoincrement=False)
    name = Column(Text, nullable=False)
    pets = relationship("Pet", back_populates="owner", order_by="Pet.id")


class Pet(Base):
    __tablename__ = "pet"
    id = Column(Integer, primary_key=True, autoincrement=False)
    owner_id = Column("owner_id", Integer, ForeignKey("owner.id"))
    name = Column(Text, nullable=False)
    owner = relationship("Owner", back_populates="pets")


class Folder(Base):
    __tablename__ = "folder"
    id = Column(Integer, primary_key=True, autoincrement=False)
    parent_id = Column("parent_id", Integer, ForeignKey("folder.id"))
    name = Column(Text, nullable=False)
    parent = relationship("Folder", remote_side=[id], back_populates="subfolders")
    subfolders = relationship("Folder", back_populates="parent", cascade="all", order_by="Folder.id")


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True, autoincrement=False)
    name = Column(Text, nullable=False)
    favorite_post_id = Column("favorite_post_id", Integer, ForeignKey("posts.id"))
    posts = relationship("Post", foreign_keys="Post.author_id", back_populates="author", order_by="Post.id")
    favorite = relationship("Post", foreign_keys=[favorite_post_id], post_update=True)


class Post(Base):
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True, autoincrement=False)
    author_id = Column("author_id", Integer, ForeignKey("users.id"), nullable=False)
    title = Column(Text, nullable=False)
    author = relationship("User", foreign_keys=[author_id], back_populates="posts")


article_tag = Table(
    "article_tag",
    Base.metadata,
    Column("article_id", Integer, ForeignKey("article.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tag.id"), primary_key=True),
)


class Article(Base):
    __tablename__ = "article"
    id = Column(Integer, primary_key=True, autoincrement=False)
    title = Column(Text, nullable=False)
    tags = relationship("Tag", secondary=article_tag, back_populates="articles", order_by="Tag.id")


class Tag(Base):
    __tablename__ = "tag"
    id = Column(Integer, primary_key=True, autoincrement=False)
    name = Column(Text, nullable=False, unique=True)
    articles = relationship("Article", secondary=article_tag, back_populates="tags", order_by="Article.id")


class Counter(Base):
    __tablename__ = "counter"
    id = Column(Integer, primary_key=True, autoincrement=False)
    value = Column(Integer, nullable=False)
    version = Column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}


CLASSES = {c.__name__: c for c in (Parent, Child, Owner, Pet, Folder, User, Post, Article, Tag, Counter)}


class NoObject(Exception):
    """An op named a label holding no object, or a savepoint that is not open."""


def category(e):
    """The error's kind, in the vocabulary both runners share."""
    if isinstance(e, NoObject):
        return "noObject"
    if isinstance(e, sa_exc.IntegrityError):
        return "integrity"
    if isinstance(e, orm_exc.StaleDataError):
        return "stale"
    if isinstance(e, sa_exc.CircularDependencyError):
        return "cycle"
    if isinstance(e, orm_exc.ObjectDeletedError):
        return "gone"
    if isinstance(e, orm_exc.FlushError):
        return "identity" if "conflicts with persistent instance" in str(e) else "flush"
    if isinstance(e, sa_exc.PendingRollbackError):
        return "pendingRollback"
    if isinstance(e, sa_exc.InvalidRequestError):
        return "invalid"
    return "other:" + type(e).__name__


_templates = {}


def fresh_connection(ddl):
    """A new in-memory database holding the schema: a copy of a template made once per DDL."""
    key = tuple(ddl)
    template = _templates.get(key)
    if template is None:
        template = sqlite3.connect(":memory:")
        for stmt in ddl:
            template.execute(stmt)
        template.commit()
        _templates[key] = template
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    template.backup(conn)
    # pysqlite begins transactions lazily and on its own, which breaks SAVEPOINT; SQLAlchemy's
    # documented remedy: autocommit mode in the driver, BEGIN emitted by SQLAlchemy.
    conn.isolation_level = None
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Runner:
    def __init__(self, ddl, dump_sql):
        conn = fresh_connection(ddl)
        self.dump_sql = dump_sql
        self.engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool, future=True)
        event.listen(self.engine, "begin", lambda c: c.exec_driver_sql("BEGIN"))
        self.session = None
        self.objs = {}
        self.labels = {}
        self.savepoints = {}
        # SQLAlchemy's identity map holds objects weakly; Arbor's holds them until they leave the
        # session. Keeping every object seen makes the two maps comparable.
        self.keep = {}

    def sess(self):
        if self.session is None:
            self.session = Session(self.engine, future=True)
        return self.session

    def obj(self, name):
        o = self.objs.get(name)
        if o is None:
            raise NoObject("no object labelled %s" % name)
        return o

    def end_savepoint(self, name):
        """The savepoint `name`, forgotten with those opened after it (they end with it)."""
        if name not in self.savepoints:
            raise NoObject("no open savepoint %s" % name)
        names = list(self.savepoints)
        sp = self.savepoints[name]
        for n in names[names.index(name):]:
            del self.savepoints[n]
        return sp

    def label(self, name, o):
        self.objs[name] = o
        if o is not None and id(o) not in self.labels:
            self.labels[id(o)] = name

    def describe(self, o):
        if o is None:
            return None
        name = self.labels.get(id(o))
        if name is not None:
            return name
        st = inspect(o)
        ident = st.identity if st.identity is not None else (st.dict.get("id"),)
        return "%s#%s" % (type(o).__name__, ",".join(str(x) for x in ident))

    # ---- ops ---------------------------------------------------------------------------------

    def run_op(self, op):
        kind = op["op"]
        s = self.sess() if kind not in ("new", "set", "setRef", "append", "remove", "removeAt", "close") else None
        o = self.obj(op["obj"]) if "obj" in op else None
        if kind == "new":
            obj = CLASSES[op["cls"]](**op.get("attrs", {}))
            self.label(op["as"], obj)
        elif kind == "add":
            self.sess().add(o)
        elif kind == "delete":
            s.delete(o)
        elif kind == "set":
            setattr(o, op["attr"], op["value"])
        elif kind == "setRef":
            setattr(o, op["rel"], self.obj(op["to"]) if op["to"] is not None else None)
        elif kind == "append":
            coll = getattr(o, op["rel"])
            child = self.obj(op["child"])
            # differences.ts: cascade-along-back-reference.
            if inspect(o).transient and (inspect(child).persistent or inspect(child).pending):
                self.sess().add(o)
            # differences.ts: duplicate-members.
            if not any(c is child for c in coll):
                coll.append(child)
        elif kind == "remove":
            getattr(o, op["rel"]).remove(self.obj(op["child"]))
        elif kind == "removeAt":
            coll = getattr(o, op["rel"])
            if op["index"] < len(coll):
                del coll[op["index"]]
        elif kind == "load":
            getattr(o, op["rel"])
        elif kind == "get":
            found = s.get(CLASSES[op["cls"]], op["id"])
            self.label(op["as"], found)
            return self.describe(found)
        elif kind == "flush":
            s.flush()
        elif kind == "commit":
            self.savepoints.clear()
            s.commit()
        elif kind == "rollback":
            self.savepoints.clear()
            s.rollback()
        elif kind == "savepoint":
            self.savepoints[op["as"]] = s.begin_nested()
        elif kind == "rollbackSavepoint":
            self.end_savepoint(op["sp"]).rollback()
        elif kind == "releaseSavepoint":
            self.end_savepoint(op["sp"]).commit()
        elif kind == "expunge":
            s.expunge(o)
        elif kind == "expire":
            s.expire(o, op.get("attrs"))
        elif kind == "expireAll":
            s.expire_all()
        elif kind == "refresh":
            s.refresh(o)
        elif kind == "merge":
            merged = s.merge(o)
            self.label(op["as"], merged)
            return self.describe(merged)
        elif kind == "autoflush":
            s.autoflush = op["on"]
        elif kind == "exec":
            # Arbor's session.execute autoflushes; SQLAlchemy's does not for Core statements.
            if s.autoflush:
                s.flush()
            table = Base.metadata.tables[op["table"]]
            s.execute(update(table).where(table.c.id == op["id"]).values(**op["set"]))
        elif kind == "close":
            self.savepoints.clear()
            if self.session is not None:
                self.session.close()
            self.session = None
        else:
            raise ValueError("unknown op %r" % kind)
        return None

    # ---- observation -------------------------------------------------------------------------

    def snap_obj(self, o):
        st = inspect(o)
        if st.transient:
            status = "transient"
        elif st.pending:
            status = "pending"
        elif st.persistent:
            status = "persistent"
        elif st.deleted:
            status = "deleted"
        else:
            status = "detached"
        mapper = st.mapper
        pk = {mapper.get_property_by_column(c).key for c in mapper.primary_key}
        cols = [p.key for p in mapper.column_attrs]
        out = {
            "status": status,
            "key": "%s#%s" % (mapper.local_table.name, ",".join(str(x) for x in st.key[1])) if st.key else None,
            "expired": sorted(k for k in st.expired_attributes if k in cols and k not in pk),
            "values": {k: st.dict[k] for k in cols if k in st.dict and k not in pk},
            "rels": {},
        }
        for r in mapper.relationships:
            if r.key in st.dict:
                v = st.dict[r.key]
                out["rels"][r.key] = [self.describe(x) for x in v] if r.uselist else self.describe(v)
        return out

    def snapshot(self):
        s = self.session
        if s is not None:
            for o in s.identity_map.values():
                self.keep[id(o)] = o
        idmap = {}
        if s is not None:
            for key, o in s.identity_map.items():
                idmap["%s#%s" % (key[0].__table__.name, ",".join(str(x) for x in key[1]))] = self.describe(o)
        seen = set()
        objs = {}
        for name, o in self.objs.items():
            if o is None or id(o) in seen:
                continue
            seen.add(id(o))
            objs[name] = self.snap_obj(o)
        return {
            "objs": objs,
            "idmap": dict(sorted(idmap.items())),
            "new": sorted(self.describe(o) for o in s.new) if s is not None else [],
            "deleted": sorted(self.describe(o) for o in s.deleted) if s is not None else [],
        }

    def dump(self):
        """Every table's rows by primary key and the audit log, read outside the session (one statement)."""
        out = {"rows": {}, "audit": []}
        with self.engine.connect() as c:
            for name, rows in c.exec_driver_sql(self.dump_sql).all():
                if name == "oracle_audit":
                    out["audit"] = json.loads(rows)
                else:
                    out["rows"][name] = json.loads(rows)
            c.rollback()
        return out


FLUSH_ERRORS = {"integrity", "stale", "cycle", "identity", "flush"}


def seed(r, rows):
    """[table, row] inserts; [table, {"id": k}, changes] updates (for rows that reference each other)."""
    with r.engine.begin() as c:
        for entry in rows:
            t = Base.metadata.tables[entry[0]]
            if len(entry) == 2:
                c.execute(t.insert().values(**entry[1]))
            else:
                c.execute(t.update().where(t.c.id == entry[1]["id"]).values(**entry[2]))
        c.exec_driver_sql("DELETE FROM oracle_audit")


def run_scenario(ddl, dump_sql, sc):
    r = Runner(ddl, dump_sql)
    seed(r, sc.get("seed", []))
    steps = []
    for op in sc["ops"]:
        step = {"op": op["op"]}
        try:
            with warnings.catch_warnings(record=True) as warned:
                warnings.simplefilter("always")
                try:
                    res = r.run_op(op)
                finally:
                    # A pending object whose key is already in the identity map: SQLAlchemy warns
                    # and lets the INSERT fail; Arbor refuses it (differences.ts).
                    conflict = any("conflicts with persistent instance" in str(w.message) for w in warned)
            if res is not None:
                step["result"] = res
        except Exception as e:  # noqa: BLE001 - every failure is an observation
            step["error"] = "identity" if conflict and isinstance(e, sa_exc.IntegrityError) else category(e)
            step["message"] = " ".join(str(e).split())[:400]
            if sc.get("rollbackOnFlushError") and step["error"] in FLUSH_ERRORS:
                r.savepoints.clear()
                r.session.rollback()
                step["rolledBack"] = True
                # An op whose autoflush failed is tried again (see Scenario.rollbackOnFlushError).
                if op["op"] in ("get", "load", "append", "remove", "removeAt"):
                    try:
                        res = r.run_op(op)
                        if res is not None:
                            step["result"] = res
                    except Exception as e:  # noqa: BLE001
                        step["retryError"] = category(e)
        step["state"] = r.snapshot()
        # The database is read where the session holds no transaction: after a commit.
        if op["op"] == "commit" and "error" not in step:
            step["db"] = r.dump()
        steps.append(step)
    if r.session is not None:
        r.session.close()
    final = r.dump()
    r.engine.dispose()
    return {"name": sc["name"], "steps": steps, "db": final}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        out = [run_scenario(req["ddl"], req["dump"], sc) for sc in req["scenarios"]]
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
