"""The ``higherhrnet`` command: predict, demo, extract, client, export and evaluate, all through PoseEstimator."""
