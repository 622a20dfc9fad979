"""Bank statements matched by themselves: MT940 and ISO 20022 camt.053/camt.054 files are
read (`mt940.py`, `camt.py`), their credits matched to pending bank transfers by reference,
amount and currency (`matching.py`), credited once (`services.py`), and what does not match
exactly is kept for an admin to assign (`admin.py`). docs/bank-statements.md."""
