"""Pictures and people for the tests, the bench and the tools: generated, deterministic, all in memory,
and free of side effects on import (unlike tests/conftest.py, which sets the fake-AWS environment).

- `people`: fictitious candidates (registrations with valid identity numbers) and the registrar;
- `corpus`: upload files for process_image, with what the pipeline must make of each;
- `icc`: small ICC profiles written byte by byte, and the colour maths to check against;
- `quality_set`: the labelled photos and duplicate pairs process_image.quality is derived and judged on;
- `steps`: a candidate's steps as a browser takes them (reserve a place, put the file), the JSON event.
"""
