"""A real Socket.IO client for tests, which keeps the state it sees the way the browser does:
a snapshot, then events applied in seq order."""

from __future__ import annotations

import copy
import re
import threading
import uuid

import requests
import socketio


class LiveClient:
    def __init__(
        self,
        base_url: str,
        session_id: int,
        role: str,
        *,
        cookies: str | None = None,
        token: str | None = None,
        connect: bool = True,
        reconnection: bool = False,
    ):
        self.base_url, self.session_id, self.role = base_url, session_id, role
        self.cookies, self.token = cookies, token
        self.events: list[dict] = []
        self.snapshots: list[dict] = []
        self.state: dict | None = None
        self._changed = threading.Condition()
        # reconnection=True: like a phone, try again (quickly) when the server goes away; the
        # server answers every (re)connect with a fresh snapshot.
        self.sio = socketio.Client(reconnection=reconnection, reconnection_delay=0.1, reconnection_delay_max=1)
        self.connects = 0  # how often the namespace was connected (reconnects included)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("event", self._on_event)
        self.sio.on("events", self._on_events)
        self.batches: list[list[dict]] = []  # the "events" messages, as they came
        self.sio.on("snapshot", self._on_snapshot)
        self.statuses: list[dict] = []  # the server's "status" messages (saving paused / ok)
        self.sio.on("status", self._on_status)
        if connect:
            self.connect()

    def connect(self):
        auth = {"session_id": self.session_id, "role": self.role}
        if self.token:
            auth["token"] = self.token
        headers = {"Cookie": self.cookies} if self.cookies else {}
        self.sio.connect(self.base_url, auth=auth, headers=headers, transports=["websocket"], wait_timeout=10)
        self.wait_for(lambda c: c.state is not None, "the first snapshot")

    def close(self):
        if self.sio.connected:
            self.sio.disconnect()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    # --- receiving -------------------------------------------------------------------
    def _on_disconnect(self, *_reason):
        with self._changed:  # a wait on "disconnected" wakes up
            self._changed.notify_all()

    def _on_connect(self):
        with self._changed:
            self.connects += 1
            self._changed.notify_all()

    def _on_status(self, status):
        with self._changed:
            self.statuses.append(status)
            self._changed.notify_all()

    def _on_snapshot(self, snapshot):
        with self._changed:
            self.snapshots.append(snapshot)
            self.state = copy.deepcopy(snapshot)  # the received snapshot stays as it was sent
            self._changed.notify_all()

    def _on_event(self, event):
        self._on_events([event], batch=False)

    def _on_events(self, events, batch=True):
        with self._changed:
            if batch:
                self.batches.append(events)
            self.events.extend(events)
            if self.state is not None:
                self._apply_early()
            self._changed.notify_all()

    def _placeholder(self, event: dict) -> bool:
        """The room's form of an event this participant also gets in its own (`whole_for`, as live.js)."""
        whole = (event.get("payload") or {}).get("whole_for") if isinstance(event.get("payload"), dict) else None
        me = (self.state or {}).get("me", {})
        return isinstance(whole, list) and me.get("role") == "participant" and me.get("id") in whole

    def _apply_early(self):
        """Events can arrive out of seq order (concurrent handlers, two processes); apply in order.
        A participant's own form of an event wins over the room's, which it waits for (live.js)."""
        held: dict[int, dict] = {}
        for e in self.events:
            if e["seq"] not in held or self._placeholder(held[e["seq"]]):
                held[e["seq"]] = e
        while self.state["seq"] + 1 in held and not self._placeholder(held[self.state["seq"] + 1]):
            event = held[self.state["seq"] + 1]
            apply_event(self.state, event)
            if event["type"] == "session.reset":  # as live.js: what it holds is gone, a fresh snapshot
                self.sio.emit("sync", {}, callback=self._on_sync_answer)

    def _on_sync_answer(self, answer):
        if isinstance(answer, dict) and answer.get("snapshot"):
            self._on_snapshot(answer["snapshot"])

    def wait_for(self, predicate, what: str, timeout: float = 10):
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(
                    f"{self.role} client never saw {what}; last state seq "
                    f"{self.state and self.state['seq']}, events {[e['type'] for e in self.events]}"
                )

    def wait_seq(self, seq: int, timeout: float = 10):
        self.wait_for(lambda c: c.state is not None and c.state["seq"] >= seq, f"seq {seq}", timeout)

    # --- sending ---------------------------------------------------------------------
    def op(self, op_type: str, op_id: str | None = None, **payload) -> dict:
        return self.sio.call(
            "op", {"type": op_type, "op_id": op_id or uuid.uuid4().hex, "payload": payload}, timeout=10
        )

    def raw(self, event: str, data) -> dict:
        return self.sio.call(event, data, timeout=10)

    # --- what this client sees -------------------------------------------------------
    def cards(self, step_key: str) -> list[dict]:
        return [c for c in self.state["cards"] if c["step_key"] == step_key]

    def card_texts(self, step_key: str) -> list[str]:
        return sorted(c["text"] for c in self.cards(step_key))

    def current_step_key(self) -> str:
        return self.state["steps"][self.state["session"]["current_step"]]["key"]

    def totals(self, step_key: str) -> dict[int, int]:
        totals = self.state["activity"].get(step_key, {}).get("totals", {})
        return {int(k): v for k, v in totals.items()}


def _drop(state: dict, card_id: int) -> None:
    state["cards"] = [c for c in state["cards"] if c["id"] != card_id]
    if (state.get("spotlight") or {}).get("card_id") == card_id:
        state["spotlight"] = None


def _upsert(state: dict, card: dict) -> None:
    if card.get("gone"):  # a tombstone in a replay
        _drop(state, card["id"])
        return
    if (state.get("spotlight") or {}).get("card_id") == card["id"]:
        state["spotlight"] = {**state["spotlight"], "text": card["text"]}
    for index, existing in enumerate(state["cards"]):
        if existing["id"] == card["id"]:
            state["cards"][index] = {**existing, **card}
            return
    state["cards"].append(card)


def apply_event(state: dict, event: dict) -> None:
    """The same reducer as static/js/live.js, so tests see what a browser would show."""
    kind, p = event["type"], event["payload"]
    activity = (
        state["activity"].setdefault(
            p.get("step_key") or (p.get("item") or p.get("cluster") or {}).get("step_key", ""), {}
        )
        if isinstance(p, dict)
        else {}
    )
    runtime = state["runtime"].setdefault(p.get("step_key", ""), {}) if isinstance(p, dict) else {}
    if kind == "participant.joined":
        state["participants"] = p["participants"]
    elif kind == "session.started":
        state["session"]["status"] = "live"
        for key, times in p.get("steps", {}).items():
            state["runtime"].setdefault(key, {}).update(times)
    elif kind == "session.ended":
        state["session"]["status"] = "ended"
    elif kind == "step.changed":
        state["session"]["current_step"] = p["step_index"]
        for key, times in p.get("steps", {}).items():
            state["runtime"].setdefault(key, {}).update(times)
    elif kind in ("card.added", "card.edited", "card.shown"):
        at_table = p.get("table_no") or (p.get("card") or {}).get("table_no")
        step_key = p.get("step_key") or (p.get("card") or {}).get("step_key")
        if kind == "card.added" and at_table and "card_ids" in state["activity"].get(step_key, {}):
            ids = state["activity"][step_key]["card_ids"].setdefault(str(at_table), [])
            card_id = p.get("card_id") or p["card"]["id"]
            if card_id not in ids:
                ids.append(card_id)
        if p.get("gone"):
            _drop(state, p["card_id"])
        elif p.get("redacted"):
            if kind == "card.edited":  # back in the moderation queue: off the room's screens
                _drop(state, p["card_id"])
            if kind in ("card.added", "card.edited"):
                state.setdefault("redacted", {}).setdefault(p["step_key"], set()).add(p["card_id"])
        else:
            _upsert(state, p["card"])
    elif kind == "card.hidden":
        if "card" in p:
            _upsert(state, p["card"])
            if (state.get("spotlight") or {}).get("card_id") == p["card"]["id"]:
                state["spotlight"] = None
        else:
            _drop(state, p["card_id"])
    elif kind == "card.deleted":
        _drop(state, p["card_id"])
        if p.get("table_no"):
            ids = state["activity"].get(p["step_key"], {}).get("card_ids", {}).get(str(p["table_no"]), [])
            if p["card_id"] in ids:
                ids.remove(p["card_id"])
    elif kind == "card.clustered":
        for card in state["cards"]:
            if card["id"] == p["card_id"]:
                card["cluster_id"] = p["cluster_id"]
    elif kind in ("cluster.created", "cluster.renamed"):
        clusters = [c for c in activity.get("clusters", []) if c["id"] != p["cluster"]["id"]]
        activity["clusters"] = sorted(clusters + [p["cluster"]], key=lambda c: c["id"])
    elif kind == "cluster.suggestion_accepted":
        clusters = [c for c in activity.get("clusters", []) if c["id"] != p["cluster"]["id"]]
        activity["clusters"] = sorted(clusters + [p["cluster"]], key=lambda c: c["id"])
        for card in state["cards"]:
            if card["id"] in p["card_ids"]:
                card["cluster_id"] = p["cluster"]["id"]
    elif kind == "card.merged" and not p.get("gone"):
        state["cards"] = [c for c in state["cards"] if c["id"] not in p["merged_ids"]]
        _upsert(state, p["card"])
        _merge_votes(state, p)
    elif kind == "card.unmerged" and not p.get("gone"):
        _upsert(state, p["card"])
        for card in p["data"]["cards"]:
            if card.get("gone"):
                _drop(state, card["id"])
            else:
                _upsert(state, card)
        _unmerge_votes(state, p)
    elif kind in ("table.seated", "table.round"):
        activity.update(counts=p["counts"], hosts=p["hosts"], round=p["round"])
        if "mine" in p:
            activity["mine"] = p["mine"]
            if p["mine"]["table_no"] and p["mine"]["table_no"] not in activity.setdefault("visited", []):
                activity["visited"] = sorted([*activity["visited"], p["mine"]["table_no"]])
        if "seats" in p and "seats" in activity:
            by_id = {seat["participant_id"]: seat for seat in activity["seats"]}
            by_id.update({seat["participant_id"]: seat for seat in p["seats"]})
            activity["seats"] = list(by_id.values())
        for card in (p.get("data") or {}).get("cards", []):
            _upsert(state, card)
        if kind == "table.round":
            runtime["timer"] = p["timer"]
    elif kind == "table.picked":
        activity["picks"] = p["picks"]
        for card in state["cards"]:
            if card["id"] == p.get("card_id") and not p.get("redacted"):
                card["picked"] = p["picked"]
    elif kind == "table.shown":
        activity.update(shown=p["shown"], opened=p["opened"])
        for card in p["data"]["cards"]:
            _upsert(state, card)
    elif kind == "harvest.collected":
        activity["collected"] = True
        state["runtime"].setdefault(p["source"], {})["revealed"] = True
        for card in p["data"]["cards"]:
            _upsert(state, card)
    elif kind == "cluster.deleted":
        for a in state["activity"].values():
            a["clusters"] = [c for c in a.get("clusters", []) if c["id"] != p["cluster_id"]]
    elif kind == "vote.changed":
        if not p.get("redacted"):
            activity.setdefault("totals", {})[str(p["target_id"])] = p["total"]
    elif kind == "rating.changed":
        activity["raters"] = p["raters"]
    elif kind == "poll.changed":
        activity["answers"] = p["answers"]
        if "counts" in p:
            activity["counts"] = p["counts"]
    elif kind in ("action.added", "action.edited") and p.get("gone"):
        pass
    elif kind == "action.added":
        activity.setdefault("items", []).append(p["item"])
    elif kind == "action.edited":
        activity["items"] = [p["item"] if i["id"] == p["item"]["id"] else i for i in activity.get("items", [])]
    elif kind == "action.deleted":
        activity["items"] = [i for i in activity.get("items", []) if i["id"] != p["item_id"]]
    elif kind == "step.locked":
        runtime["locked"] = p["locked"]
    elif kind == "step.revealed":
        runtime["revealed"] = p["revealed"]
        data = p.get("data") or {}
        for card in data.get("cards", []):
            _upsert(state, card)
        for key in ("totals", "result", "counts"):
            if key in data:
                activity[key] = data[key]
    elif kind == "timer.changed":
        runtime["timer"] = p["timer"]
    elif kind == "spotlight.changed":
        state["spotlight"] = p["spotlight"] if p["spotlight"] and not p["spotlight"].get("gone") else None
    elif kind == "record.captured" and not p.get("redacted"):
        state["captures"] += [{**c, "step_key": p["step_key"]} for c in p["captures"]]
    own = event.get("own_result")  # a replay's own part for the participant who acted (their ack's result)
    if own and kind == "vote.changed":
        target = own.get("card_id", own.get("cluster_id"))
        activity.setdefault("mine", {})[str(target)] = own["mine"]
        activity["remaining"] = own["remaining"]
    state["seq"] = event["seq"]


def _step(state: dict, key: str) -> dict:
    return next(s for s in state["steps"] if s["key"] == key)


def _merge_votes(state: dict, p: dict) -> None:
    """static/js/activities/card_merge.js votesOnMerge: totals, and a voter's own dots by the server's rule."""
    for vote in p.get("votes", []):
        a = state["activity"].setdefault(vote["step_key"], {})
        if "totals" in vote:
            a["totals"] = {**a.get("totals", {}), **vote["totals"]}
            for merged in p["merged_ids"]:
                a["totals"].pop(str(merged), None)
        if "mine" not in a:
            continue
        ids = [p["card"]["id"], *p["merged_ids"]]
        before = {str(i): a["mine"][str(i)] for i in ids if a["mine"].get(str(i))}
        if not before:
            continue
        step = _step(state, vote["step_key"])
        a["mine"][str(p["card"]["id"])] = min(sum(before.values()), step["max_per_card"])
        for merged in p["merged_ids"]:
            a["mine"].pop(str(merged), None)
        a.setdefault("merges", {})[str(p["merge_id"])] = {"before": before, "after": a["mine"][str(p["card"]["id"])]}
        a["remaining"] = step["budget"] - sum(a["mine"].values())


def _unmerge_votes(state: dict, p: dict) -> None:
    restored = [c["id"] for c in p["data"]["cards"]]
    for vote in p.get("votes", []):
        a = state["activity"].setdefault(vote["step_key"], {})
        if "totals" in vote:
            a["totals"] = {**a.get("totals", {}), **vote["totals"]}
        mine = a.get("merges", {}).pop(str(p["merge_id"]), None)
        if "mine" not in a or mine is None:
            continue
        keep = str(p["card"]["id"])
        if a["mine"].get(keep, 0) != mine["after"]:
            continue  # changed since: the dots stay
        a["mine"][keep] = mine["before"].get(keep, 0)
        budget = _step(state, vote["step_key"])["budget"]
        for card_id in restored:
            give = min(mine["before"].get(str(card_id), 0), max(0, budget - sum(a["mine"].values())))
            if give:
                a["mine"][str(card_id)] = give
        a["remaining"] = budget - sum(a["mine"].values())


def login(base_url: str, email: str, password: str) -> requests.Session:
    """Log in through the real form (with its CSRF token); returns the browser-like session."""
    http = requests.Session()
    page = http.get(f"{base_url}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = http.post(
        f"{base_url}/login", data={"csrf_token": token, "email": email, "password": password}, allow_redirects=False
    )
    assert response.status_code == 302, response.text[:500]
    return http


def cookie_header(http: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def csrf_token(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(url).text).group(1)


def join(base_url: str, code: str, display_name: str = "", named_in_protocol: bool = False) -> dict:
    """named_in_protocol: the join page's question, may the filed protocol name this person."""
    body = {"code": code, "display_name": display_name, "named_in_protocol": named_in_protocol}
    response = requests.post(f"{base_url}/api/join", json=body)
    assert response.status_code == 200, response.text
    return response.json()
