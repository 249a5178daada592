//! Early warning: bursts of appeals per municipality × topic.
