# Webhook signing secrets: encrypted at rest (Fernet, key derived from WEBHOOK_SECRET_KEY or SECRET_KEY).

from django.db import migrations

import routeswit.fields


def encrypt_clear_secrets(apps, schema_editor):
    # Reading a legacy clear value returns it as is; saving it through the field encrypts it. (A lookup on
    # the field would compare against an encrypted operand, so every row is read.)
    SlaPolicy = apps.get_model("intelligence", "SlaPolicy")
    for policy in SlaPolicy.objects.iterator():
        policy.save(update_fields=["signing_secret"])


def decrypt_secrets(apps, schema_editor):
    SlaPolicy = apps.get_model("intelligence", "SlaPolicy")
    for pk, secret in SlaPolicy.objects.values_list("pk", "signing_secret"):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE intelligence_slapolicy SET signing_secret = %s WHERE id = %s", [secret, pk]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("intelligence", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="slapolicy",
            name="signing_secret",
            field=routeswit.fields.EncryptedTextField(editable=False),
        ),
        migrations.RunPython(encrypt_clear_secrets, decrypt_secrets),
    ]
