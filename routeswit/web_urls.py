"""Every server-rendered page; the API lives under /api/v1 (routeswit/api/urls.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from contacts import views as contacts
from intelligence import views as intelligence
from leads import views as leads
from reps import views as reps
from routeswit.orgs import views as orgs
from routing import views as routing

urlpatterns = [
    path("", orgs.home, name="home"),
    path("login/", orgs.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("org/switch/", orgs.org_switch, name="org_switch"),
    path("dashboard/", intelligence.dashboard, name="dashboard"),
    path("dashboard/panel/", intelligence.dashboard_panel, name="dashboard_panel"),
    # Rulesets
    path("rulesets/", routing.ruleset_list, name="ruleset_list"),
    path("rulesets/new/", routing.ruleset_edit, name="ruleset_new"),
    path("rulesets/check-condition/", routing.condition_check, name="condition_check"),
    path("rulesets/<slug:slug>/", routing.ruleset_detail, name="ruleset_detail"),
    path("rulesets/<slug:slug>/edit/", routing.ruleset_edit, name="ruleset_edit"),
    path("rulesets/<slug:slug>/diff/", routing.ruleset_diff, name="ruleset_diff"),
    path("rulesets/<slug:slug>/archive/", routing.ruleset_archive, name="ruleset_archive"),
    path("rulesets/<slug:slug>/test/", routing.ruleset_test, name="ruleset_test"),
    path("rulesets/<slug:slug>/backtest/", routing.ruleset_backtest, name="ruleset_backtest"),
    # Leads
    path("leads/", leads.lead_list, name="lead_list"),
    path("leads/export.csv", leads.lead_export, name="lead_export"),
    path("leads/<str:ref>/", leads.lead_detail, name="lead_detail"),
    path("leads/<str:ref>/status/", leads.lead_status, name="lead_status"),
    path("leads/<str:ref>/reroute/", leads.lead_reroute, name="lead_reroute"),
    # Reps and teams
    path("reps/", reps.rep_list, name="rep_list"),
    path("reps/new/", reps.rep_edit, name="rep_new"),
    path("reps/<str:rep_id>/edit/", reps.rep_edit, name="rep_edit"),
    path("reps/<str:rep_id>/status/", reps.rep_status, name="rep_status"),
    path("reps/<str:rep_id>/deactivate/", reps.rep_deactivate, name="rep_deactivate"),
    path("teams/new/", reps.team_edit, name="team_new"),
    path("teams/<str:team_id>/edit/", reps.team_edit, name="team_edit"),
    path("teams/<str:team_id>/deactivate/", reps.team_deactivate, name="team_deactivate"),
    # Contacts
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/<str:contact_id>/", contacts.contact_detail, name="contact_detail"),
    # SLAs
    path("slas/", intelligence.sla_list, name="sla_list"),
    path("slas/new/", intelligence.sla_edit, name="sla_new"),
    path("slas/<str:sla_id>/", intelligence.sla_detail, name="sla_detail"),
    path("slas/<str:sla_id>/edit/", intelligence.sla_edit, name="sla_edit"),
    path("slas/<str:sla_id>/delete/", intelligence.sla_delete, name="sla_delete"),
    path(
        "slas/<str:sla_id>/deliveries/<str:delivery_id>/retry/",
        intelligence.delivery_retry,
        name="delivery_retry",
    ),
    # Organization and API
    path("settings/", orgs.settings_page, name="settings"),
    path("settings/keys/new/", orgs.key_create, name="key_create"),
    path("settings/keys/<str:key_id>/revoke/", orgs.key_revoke, name="key_revoke"),
    path("settings/members/add/", orgs.member_add, name="member_add"),
    path("settings/members/<int:membership_id>/role/", orgs.member_role, name="member_role"),
    path("settings/members/<int:membership_id>/remove/", orgs.member_remove, name="member_remove"),
    path("playground/", intelligence.playground, name="playground"),
]
