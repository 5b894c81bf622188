"""What a KB version learns: the training corpus, the query encoder, the calibration sets.

Beside `ingest`, not inside it: only the CLI and the page (`ui.build`) hand it to an ingest,
so reading documents never imports torch.
"""
