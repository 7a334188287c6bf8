from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

from workshop import debrief_views, replay_views, views
from workshop import export_views as exports
from workshop import scenario_views as decks

urlpatterns = [
    path("", views.landing, name="landing"),
    path("join/<str:code>/", views.join, name="join"),
    path("join/<str:code>/nickname/", views.nickname_suggestion, name="nickname_suggestion"),
    path("play/<str:code>/", views.play, name="play"),
    path("screen/<str:code>/", views.screen, name="screen"),
    path("qr/<str:code>.svg", views.qr_code, name="qr"),
    path("console/", views.console, name="console"),
    path("console/<str:code>/", views.console_run, name="console_run"),
    path("decks/", decks.deck_list, name="decks"),
    path("decks/new/", decks.deck_create, name="deck_create"),
    path("decks/<int:pk>/", decks.deck_detail, name="deck"),
    path("decks/<int:pk>/edit/", decks.deck_edit, name="deck_edit"),
    path("decks/<int:pk>/delete/", decks.deck_delete, name="deck_delete"),
    path("decks/<int:pk>/copy/", decks.deck_copy, name="deck_copy"),
    path("decks/<int:pk>/cards/new/", decks.card_create, name="card_create"),
    path("decks/<int:pk>/cards/<int:card_pk>/", decks.card_edit, name="card_edit"),
    path("decks/<int:pk>/cards/<int:card_pk>/delete/", decks.card_delete, name="card_delete"),
    path("decks/<int:pk>/cards/<int:card_pk>/move/", decks.card_move, name="card_move"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The translated strings the pages' scripts use, as window.gettext and friends.
    path(
        "jsi18n/",
        cache_page(60 * 60)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # exports
    path("console/<str:code>/exports/", exports.export_page, name="exports"),
    path("console/<str:code>/exports/<str:kind>.csv", exports.export_csv, name="export_csv"),
    path("console/<str:code>/exports/results.json", exports.export_json, name="export_json"),
    path("console/<str:code>/exports/archive.json", exports.archive_download, name="archive"),
    path("archives/import/", exports.archive_import, name="archive_import"),
    path("cohorts/", exports.cohort_list, name="cohorts"),
    # debrief
    path("debrief/<str:code>/", debrief_views.debrief_page, name="debrief"),
    path("debrief/<str:code>/me/", debrief_views.mine_page, name="debrief_mine"),
    path("debrief/<str:code>/me.json", debrief_views.mine_json, name="debrief_mine_json"),
    path("debrief/<str:code>/people/<str:pid>/", debrief_views.person_page, name="debrief_person"),
    # replay
    path("replays/", replay_views.replay_list, name="replays"),
    path("replay/<str:code>/", replay_views.replay, name="replay"),
    path("replay/<str:code>/share/", replay_views.replay_share, name="replay_share"),
    path("replay/<str:code>/events/", replay_views.replay_events, name="replay_events"),
    path(
        "replay/<str:code>/shared/<str:token>/events/",
        replay_views.replay_shared_events,
        name="replay_shared_events",
    ),
    path(
        "replay/<str:code>/shared/<str:token>/",
        replay_views.replay_shared,
        name="replay_shared",
    ),
]
