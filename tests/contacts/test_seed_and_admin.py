"""The demo seed step and the admin pages for contacts and activities."""

import pytest
from django.contrib.auth import get_user_model

from contacts.models import Activity, Contact
from contacts.seed import seed_contacts
from reps.seed import seed_reps


class Quiet:
    def write(self, text: str) -> None:
        pass


def test_seed_makes_demo_contacts_with_activities(org_a):
    seed_reps(org=org_a, stdout=Quiet())
    seed_contacts(org=org_a, stdout=Quiet())
    assert Contact.objects.filter(org=org_a).count() >= 3
    assert Activity.objects.filter(org=org_a).count() >= 3


@pytest.fixture
def admin_client(client, org_a):
    seed_reps(org=org_a, stdout=Quiet())
    seed_contacts(org=org_a, stdout=Quiet())
    client.force_login(get_user_model().objects.create_superuser("root", "root@x.example", "pw"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/contacts/contact/?q=northwind",
        "/admin/contacts/activity/?type__exact=CALL&outcome__exact=POSITIVE",
    ],
)
def test_admin_lists_load(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_admin_contact_page_shows_its_activities_inline(admin_client):
    contact = Contact.objects.get(external_id="crm-1001")
    response = admin_client.get(f"/admin/contacts/contact/{contact.pk}/change/")
    assert response.status_code == 200
    assert b"Discussed expansion to 50 seats." in response.content
