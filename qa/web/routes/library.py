"""Trainers' playlists and mystery-shopper campaigns in the browser, on the library functions the CLI uses.

A trainer (and a new hire) hears a clip's window only, with personal data muted, never the whole call: the clip
audio is cut on the server (``qa.reports.playlist.clip_wav``). Every play is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from qa import access
from qa.db import campaigns as campaign_store
from qa.db import human
from qa.db import playlists as playlist_store
from qa.web.deps import Db, User, check_csrf, page
from qa.web.routes.pages import _number

router = APIRouter()


@router.get("/playlists")
def playlists_page(request: Request, db: Db, user: User):
    access.require(user, "playlists.view")
    return page(request, "playlists.html", user, playlists=playlist_store.list_playlists(db))


@router.post("/playlists", dependencies=[Depends(check_csrf)])
def create_playlist(db: Db, user: User, title: Annotated[str, Form()], audience: Annotated[str, Form()] = "",
                    purpose: Annotated[str, Form()] = ""):
    access.require(user, "playlists.manage")
    created = playlist_store.create_playlist(db, title=title.strip() or "untitled", owner=user.login,
                                             audience=audience.strip() or None, purpose=purpose.strip() or None)
    return RedirectResponse(f"/playlists/{created.playlist_id}", status_code=303)


@router.get("/playlists/{playlist_id}")
def playlist_page(request: Request, db: Db, user: User, playlist_id: int):
    from qa.reports.playlist import redacted_clip

    access.require(user, "playlists.view")
    playlist = playlist_store.load_playlist(db, playlist_id=playlist_id)
    snippets = {c.item_id: redacted_clip(db, c)[1] for c in playlist.items}
    return page(request, "playlist.html", user, playlist=playlist, snippets=snippets,
                can_manage=access.allowed(user, "playlists.manage"))


@router.get("/playlists/{playlist_id}/clips/{item_id}/audio")
def clip_audio(db: Db, user: User, playlist_id: int, item_id: int):
    from qa.reports.playlist import clip_wav

    access.require(user, "playlists.view")
    body = clip_wav(db, playlist_id=playlist_id, item_id=item_id)
    human.record_event(db, actor=user.login, action="clip.play", entity="playlist", entity_id=str(playlist_id),
                       details={"item": item_id})
    return Response(body, media_type="audio/wav")


@router.post("/playlists/{playlist_id}/clips/{item_id}/listened", dependencies=[Depends(check_csrf)])
def listened(db: Db, user: User, playlist_id: int, item_id: int):
    access.require(user, "playlists.view")
    playlist_store.mark_listened(db, playlist_id=playlist_id, item_id=item_id, login=user.login)
    return RedirectResponse(f"/playlists/{playlist_id}#clip-{item_id}", status_code=303)


@router.post("/playlists/{playlist_id}/clips/{item_id}/move", dependencies=[Depends(check_csrf)])
def move(db: Db, user: User, playlist_id: int, item_id: int, position: Annotated[str, Form()]):
    access.require(user, "playlists.manage")
    playlist_store.move_clip(db, playlist_id=playlist_id, item_id=item_id, position=int(_number(position, "position") or 1),
                             actor=user.login)
    return RedirectResponse(f"/playlists/{playlist_id}", status_code=303)


@router.post("/playlists/{playlist_id}/clips/{item_id}/remove", dependencies=[Depends(check_csrf)])
def remove(db: Db, user: User, playlist_id: int, item_id: int):
    access.require(user, "playlists.manage")
    playlist_store.remove_clip(db, playlist_id=playlist_id, item_id=item_id, actor=user.login)
    return RedirectResponse(f"/playlists/{playlist_id}", status_code=303)


@router.get("/campaigns")
def campaigns_page(request: Request, db: Db, user: User):
    access.require(user, "campaigns.view")
    return page(request, "campaigns.html", user, campaigns=campaign_store.list_campaigns(db))


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, db: Db, user: User, campaign_id: int):
    from mystery_shopper.report import build_report
    from qa.reports.shopper import entry_items

    access.require(user, "campaigns.view")
    report = build_report(db, campaign_ref=campaign_id)
    handed_in = campaign_store.entries(db, campaign_ids=[campaign_id])
    return page(request, "campaign.html", user, report=report, campaign=report.campaign,
                assignments=campaign_store.assignments(db, campaign_id=campaign_id),
                entries={e.assignment_id: e for e in handed_in},
                items={e.entry_id: entry_items(e) for e in handed_in})
