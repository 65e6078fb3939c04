"""The default questionnaires and settings for the organisations that exist already.
(New organisations get theirs on first use: see services.ensure_defaults.)"""

from django.db import migrations


def create_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    from django.utils import translation

    from parcours.feedback import defaults

    Organisation = apps.get_model("core", "Organisation")
    Questionnaire = apps.get_model("feedback", "Questionnaire")
    Version = apps.get_model("feedback", "QuestionnaireVersion")
    Item = apps.get_model("feedback", "Item")
    Settings = apps.get_model("feedback", "FeedbackSettings")
    with translation.override("fr"):
        specs = defaults.defaults()
    for organisation in Organisation.objects.all():
        Settings.objects.get_or_create(
            organisation=organisation, defaults={"reminder_days": defaults.DEFAULT_REMINDER_DAYS}
        )
        existing = set(
            Questionnaire.objects.filter(organisation=organisation).values_list("key", flat=True)
        )
        for spec in specs:
            if spec.key in existing:
                continue
            q = Questionnaire.objects.create(
                organisation=organisation,
                key=spec.key,
                title=spec.title,
                audience=spec.audience,
                moment=spec.moment,
                anonymous=spec.anonymous,
                delay_days=spec.delay_days,
            )
            v = Version.objects.create(questionnaire=q, number=1, intro=spec.intro)
            Item.objects.bulk_create(
                Item(
                    version=v,
                    position=n,
                    key=i.key,
                    kind=i.kind,
                    theme=i.theme,
                    text=i.text,
                    options=i.options,
                    required=i.required,
                    per_trainer=i.per_trainer,
                )
                for n, i in enumerate(spec.items, start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_questionnaires_campaigns_answers")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
