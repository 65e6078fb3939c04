"""Pages of the follow-up, one room per concern (the URLs name the room's views):

- `procedure`: read, edit a draft, validate, PDF;
- `cases`: list, detail, open (or join the open case), steps, reassign, close, and the
  follow-up officer's dashboard;
- `interactions`: calls, meetings (schedule, move, cancel, report), measures;
- `liaison`: an enrolment's follow-up, the tutor's link and liaison sheets, and the
  tutor's page reached by their personal link (the only page here without a login);
- `dropouts`: the dropout record and the dropout statistics;
- `common`: the small helpers they share.

Objects are reached through `parcours.followup.access`.
"""
