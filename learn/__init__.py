"""What a KB version learns: the training corpus, the query encoder, the calibration sets."""
