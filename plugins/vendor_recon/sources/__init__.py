"""One module per source: its windows, requests and the dates it is read by."""
