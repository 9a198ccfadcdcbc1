"""The overview page (/console) and its CSV (/console/overview.csv): the daily aggregates over a chosen range, as charts with their numbers beside them. Owned by console-data."""
