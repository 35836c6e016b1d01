"""The local demo network: ``onemg demo``, its child processes and the canned stub member.

- :mod:`onemg.demo.demo`: synthesise and ingest cohorts, start nodes and the hub, print the tour
  (public queries, then the controlled-access walk-through);
- :mod:`onemg.demo.walkthrough`: the demo researcher and the commands of the access chain;
- :mod:`onemg.demo.processes`: start, watch and stop local server processes;
- :mod:`onemg.demo.stub`: a canned Beacon member for fault drills (``python -m onemg.demo.stub``).

Tests and benchmarks use these too; nothing here is needed to run a real node or hub.
"""
