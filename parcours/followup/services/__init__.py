"""Writes of the follow-up app, one room per concern (import from the room itself):

- `procedure`: the versioned dropout-prevention procedure (drafts, validation);
- `cases`: opening (or joining) a case from a trigger, the nightly scan, reassigning,
  closing, escalating;
- `steps`: carrying out a case's steps (templated reminders, a step done with its report);
- `interactions`: calls, meetings (invitations, reports, intermediate reviews), measures;
- `liaison`: the tutor's personal link and liaison sheets;
- `dropouts`: the dropout record that ends an enrolment.

Every function runs inside `transaction.atomic` and journals in the same transaction
(through `create_record` / `update_record` / `delete_record`, plus an event for the facts
that are not field changes: a version published, a case opened, joined or closed).
"""
