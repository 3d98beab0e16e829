"""Admins remove members from the settings page; nobody removes themselves or the last admin."""

import pytest

from routeswit.api.errors import ConflictError
from routeswit.orgs.models import Membership
from routeswit.orgs.services import membership_remove


def _membership(users, who):
    return Membership.objects.get(user=users[who])


def test_admin_removes_a_member(client_as, users):
    target = _membership(users, "viewer")
    response = client_as("admin").post(f"/settings/members/{target.pk}/remove/", follow=True)
    assert response.status_code == 200 and "is no longer a member" in response.content.decode()
    assert not Membership.objects.filter(pk=target.pk).exists()


def test_admin_cannot_remove_themselves(client_as, users):
    me = _membership(users, "admin")
    response = client_as("admin").post(f"/settings/members/{me.pk}/remove/", follow=True)
    assert "cannot remove yourself" in response.content.decode()
    assert Membership.objects.filter(pk=me.pk).exists()


def test_the_last_admin_stays(users):
    only_admin = _membership(users, "admin")
    with pytest.raises(ConflictError):
        membership_remove(membership=only_admin, by_user=users["manager"])
    assert Membership.objects.filter(pk=only_admin.pk).exists()


def test_manager_cannot_remove_members(client_as, users):
    target = _membership(users, "viewer")
    assert client_as("manager").post(f"/settings/members/{target.pk}/remove/").status_code == 403
    assert Membership.objects.filter(pk=target.pk).exists()


def test_another_organizations_member_is_not_found(client_as, users):
    theirs = _membership(users, "b_admin")
    assert client_as("admin").post(f"/settings/members/{theirs.pk}/remove/").status_code == 404
