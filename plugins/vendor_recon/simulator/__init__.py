"""A local SP-API look-alike: seeded vendor worlds, Amazon's sandbox, faults."""
