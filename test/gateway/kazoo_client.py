"""kazoo (Python's ZooKeeper client, unmodified) against a natszk gateway.

Usage: python3 kazoo_client.py HOST:PORT[,HOST:PORT...] ROOT
Prints one JSON object with what it saw; the test (gateway-kazoo.test.ts) checks it.
"""
import json
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoAuthError, NoNodeError, NodeExistsError
from kazoo.recipe.barrier import Barrier
from kazoo.recipe.counter import Counter
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock
from kazoo.security import make_digest_acl

hosts, root = sys.argv[1], sys.argv[2]
out = {}


def client(auth_data=None):
    zk = KazooClient(hosts=hosts, timeout=10, auth_data=auth_data)
    zk.start(timeout=30)
    return zk


zk = client()
other = client()

# CRUD
zk.create(root + "/crud", b"v1", makepath=True)
data, stat = zk.get(root + "/crud")
out["crud_get"] = [data.decode(), stat.version]
stat = zk.set(root + "/crud", b"v2", version=0)
out["crud_set_version"] = stat.version
errors = []
try:
    zk.set(root + "/crud", b"v3", version=0)
except BadVersionError:
    errors.append("BadVersionError")
try:
    zk.create(root + "/crud", b"")
except NodeExistsError:
    errors.append("NodeExistsError")
try:
    zk.get(root + "/missing")
except NoNodeError:
    errors.append("NoNodeError")
out["crud_errors"] = errors
zk.create(root + "/crud/child", b"")
out["crud_children"] = zk.get_children(root + "/crud")
out["crud_exists_missing"] = zk.exists(root + "/nope") is None
seq = zk.create(root + "/crud/seq-", b"", sequence=True, ephemeral=True)
out["crud_sequential"] = seq.rsplit("/", 1)[1]
zk.delete(root + "/crud", recursive=True)
out["crud_deleted"] = zk.exists(root + "/crud") is None
tx = zk.transaction()
tx.create(root + "/tx", b"a")
tx.create(root + "/tx/b", b"")
out["multi"] = [str(r) for r in tx.commit()]

# Watches: a data watch, a child watch, an exists watch; each fires once.
events = []
fired = threading.Event()


def watcher(event):
    events.append([event.type, event.path])
    if len(events) == 3:
        fired.set()


zk.create(root + "/w", b"0")
zk.get(root + "/w", watch=watcher)
zk.get_children(root + "/w", watch=watcher)
zk.exists(root + "/w/new", watch=watcher)
other.set(root + "/w", b"1")
other.create(root + "/w/new", b"")
fired.wait(20)
out["watch_events"] = sorted(events)

# Lock: the second contender waits until the first releases.
order = []
lock_a = Lock(zk, root + "/lock", "a")
lock_b = Lock(other, root + "/lock", "b")
lock_a.acquire(timeout=20)
order.append("a acquired")
out["lock_contenders"] = lock_a.contenders()


def contend():
    lock_b.acquire(timeout=30)
    order.append("b acquired")
    lock_b.release()


t = threading.Thread(target=contend)
t.start()
# b must not get the lock while a holds it.
t.join(1.5)
order.append("a releasing")
lock_a.release()
t.join(30)
out["lock_order"] = order

# Counter: increments from two clients, none lost.
counters = [Counter(zk, root + "/counter"), Counter(other, root + "/counter")]


def add(counter, n):
    for _ in range(n):
        counter += 1


threads = [threading.Thread(target=add, args=(c, 20)) for c in counters]
for t in threads:
    t.start()
for t in threads:
    t.join(60)
out["counter"] = Counter(zk, root + "/counter").value

# Election: one leader; when its session ends, the other contender leads.
leaders = []
led = threading.Event()
e1, e2 = client(), client()


def lead(name, stay):
    def run():
        leaders.append(name)
        led.set()
        stay.wait(60)
    return run


stay_a, stay_b = threading.Event(), threading.Event()
ta = threading.Thread(target=lambda: Election(e1, root + "/election", "a").run(lead("a", stay_a)), daemon=True)
ta.start()
led.wait(20)
led.clear()
tb = threading.Thread(target=lambda: Election(e2, root + "/election", "b").run(lead("b", stay_b)), daemon=True)
tb.start()
# b must not lead while a does.
led.wait(1.5)
out["election_while_a_leads"] = list(leaders)
e1.stop()
e1.close()
led.wait(30)
out["election_after_a_left"] = list(leaders)
stay_b.set()
stay_a.set()
e2.stop()
e2.close()

# Barrier: a waiter passes only once the barrier is removed.
passed = []
Barrier(zk, root + "/barrier").create()
# other may be on the other gateway, whose replica can be a moment behind: as in ZooKeeper, a
# client that must see another client's write first syncs.
other.sync(root + "/barrier")
waiter = threading.Thread(target=lambda: passed.append(Barrier(other, root + "/barrier").wait(30)))
waiter.start()
waiter.join(1.5)
out["barrier_before_removal"] = list(passed)
Barrier(zk, root + "/barrier").remove()
waiter.join(30)
out["barrier_after_removal"] = passed

# ACLs: a node only bob may read; kazoo authenticates with the digest scheme.
bob = client(auth_data=[("digest", "bob:secret")])
bob.create(root + "/secret", b"s", acl=[make_digest_acl("bob", "secret", all=True)])
try:
    other.get(root + "/secret")
    out["acl_stranger"] = "read"
except NoAuthError:
    out["acl_stranger"] = "NoAuthError"
out["acl_bob"] = bob.get(root + "/secret")[0].decode()
bob.stop()
bob.close()

zk.stop()
zk.close()
other.stop()
other.close()
print(json.dumps(out))
