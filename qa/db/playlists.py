"""Trainer playlists: ordered clips of calls, and who listened to which clip.

Every change is one transaction with its audit event (entity ``playlist``). Positions are kept dense (1..n):
adding appends or inserts, moving and removing renumber the rest.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import NotFound, StateError
from qa.core.records import PlaylistInfo
from qa.db import tables as t
from qa.db.convert import clip_info, playlist_info
from qa.db.engine import utcnow
from qa.db.human import add_audit


def _playlist(s: Session, playlist_id: int) -> t.Playlist:
    row = s.get(t.Playlist, playlist_id)
    if row is None:
        raise NotFound(f"No playlist {playlist_id}. `qa playlist list` shows the playlists.")
    return row


def _items(s: Session, playlist_id: int) -> list[t.PlaylistItem]:
    return list(s.exec(select(t.PlaylistItem).where(t.PlaylistItem.playlist_id == playlist_id)
                       .order_by(t.PlaylistItem.position, t.PlaylistItem.id)).all())


def _info(s: Session, row: t.Playlist) -> PlaylistInfo:
    items = _items(s, row.id)
    listens: dict[int, list[t.PlaylistListen]] = {}
    if items:
        for listen in s.exec(select(t.PlaylistListen).where(t.PlaylistListen.item_id.in_([i.id for i in items]))
                             .order_by(t.PlaylistListen.listened_at)).all():
            listens.setdefault(listen.item_id, []).append(listen)
    return playlist_info(row, [clip_info(i, listens.get(i.id, ())) for i in items])


def create_playlist(engine: Engine, *, title: str, owner: str, audience: str | None = None,
                    purpose: str | None = None) -> PlaylistInfo:
    now = utcnow()
    with Session(engine) as s:
        row = t.Playlist(title=title, audience=audience, purpose=purpose, owner=owner, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        add_audit(s, actor=owner, action="playlist.create", entity="playlist", entity_id=row.id,
                  details={"title": title, "audience": audience}, at=now)
        s.commit()
        return _info(s, row)


def list_playlists(engine: Engine) -> list[PlaylistInfo]:
    with Session(engine) as s:
        return [_info(s, row) for row in s.exec(select(t.Playlist).order_by(t.Playlist.id)).all()]


def load_playlist(engine: Engine, *, playlist_id: int) -> PlaylistInfo:
    with Session(engine) as s:
        return _info(s, _playlist(s, playlist_id))


def add_clip(engine: Engine, *, playlist_id: int, call_id: str, start_s: float, end_s: float, actor: str,
             criterion_id: str | None = None, note: str | None = None, position: int | None = None) -> PlaylistInfo:
    """Insert a clip at ``position`` (1-based; default: at the end)."""
    now = utcnow()
    with Session(engine) as s:
        row = _playlist(s, playlist_id)
        if s.get(t.Call, call_id) is None:
            raise NotFound(f"No call '{call_id}'. Use an id listed by `qa calls`.")
        items = _items(s, playlist_id)
        at = len(items) + 1 if position is None else position
        if not 1 <= at <= len(items) + 1:
            raise StateError(f"position {at} is outside 1..{len(items) + 1} (the playlist has {len(items)} clips)")
        for item in items[at - 1:]:
            item.position += 1
            s.add(item)
        clip = t.PlaylistItem(playlist_id=playlist_id, position=at, call_id=call_id, start_s=start_s, end_s=end_s,
                              criterion_id=criterion_id, note=note, added_by=actor, added_at=now)
        s.add(clip)
        row.updated_at = now
        s.add(row)
        s.flush()
        add_audit(s, actor=actor, action="playlist.add", entity="playlist", entity_id=playlist_id,
                  details={"item": clip.id, "call": call_id, "start_s": start_s, "end_s": end_s,
                           "criterion": criterion_id, "position": at}, at=now)
        s.commit()
        return _info(s, row)


def _item(s: Session, playlist_id: int, item_id: int) -> t.PlaylistItem:
    item = s.get(t.PlaylistItem, item_id)
    if item is None or item.playlist_id != playlist_id:
        raise NotFound(f"playlist {playlist_id} has no item {item_id}; `qa playlist show {playlist_id}` lists its items")
    return item


def move_clip(engine: Engine, *, playlist_id: int, item_id: int, position: int, actor: str) -> PlaylistInfo:
    now = utcnow()
    with Session(engine) as s:
        row = _playlist(s, playlist_id)
        moved = _item(s, playlist_id, item_id)
        items = [i for i in _items(s, playlist_id) if i.id != item_id]
        if not 1 <= position <= len(items) + 1:
            raise StateError(f"position {position} is outside 1..{len(items) + 1}")
        items.insert(position - 1, moved)
        for n, item in enumerate(items, start=1):
            item.position = n
            s.add(item)
        row.updated_at = now
        s.add(row)
        add_audit(s, actor=actor, action="playlist.move", entity="playlist", entity_id=playlist_id,
                  details={"item": item_id, "position": position}, at=now)
        s.commit()
        return _info(s, row)


def remove_clip(engine: Engine, *, playlist_id: int, item_id: int, actor: str) -> PlaylistInfo:
    now = utcnow()
    with Session(engine) as s:
        row = _playlist(s, playlist_id)
        item = _item(s, playlist_id, item_id)
        for listen in s.exec(select(t.PlaylistListen).where(t.PlaylistListen.item_id == item_id)).all():
            s.delete(listen)
        s.flush()  # the listens first: no relationship tells the unit of work the order
        s.delete(item)
        s.flush()
        for n, rest in enumerate(_items(s, playlist_id), start=1):
            rest.position = n
            s.add(rest)
        row.updated_at = now
        s.add(row)
        add_audit(s, actor=actor, action="playlist.remove", entity="playlist", entity_id=playlist_id,
                  details={"item": item_id, "call": item.call_id}, at=now)
        s.commit()
        return _info(s, row)


def mark_listened(engine: Engine, *, playlist_id: int, item_id: int, login: str) -> PlaylistInfo:
    """A new hire listened to a clip; the first time is kept (marking again changes nothing)."""
    with Session(engine) as s:
        row = _playlist(s, playlist_id)
        _item(s, playlist_id, item_id)
        if s.get(t.PlaylistListen, (item_id, login)) is None:
            s.add(t.PlaylistListen(item_id=item_id, login=login, listened_at=utcnow()))
            s.commit()
        return _info(s, row)


def clip_windows(engine: Engine, *, call_id: str) -> list[tuple[float, float]]:
    """The windows of ``call_id`` that some playlist holds (a trainer may hear these, not the whole call)."""
    with Session(engine) as s:
        return [(a, b) for a, b in s.exec(select(t.PlaylistItem.start_s, t.PlaylistItem.end_s)
                                           .where(t.PlaylistItem.call_id == call_id)).all()]
