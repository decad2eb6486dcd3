"""Machine pre-checks (api-contract.md "Machine pre-checks"): what a SUBMITTED picture shows and whether
it matches the registration, as advice for the candidate at once and for reviewers.

- ``ocr``: the OCR adapter, the only module that imports rapidocr/onnxruntime/OpenCV (the OCR layer);
- ``unwatermark``: the document under process_image's watermark, in memory, for the OCR;
- ``reading``: what the OCR read (lines, boxes, certainties), plain data;
- ``layout``, ``classify``, ``fields``, ``decide``: the pure decider, from a ``Reading`` and the
  registration to a typed ``Checks``; ``thresholds.json`` its derived thresholds.

The Lambda handler comes with the DynamoDB wiring. Per SUBMITTED image of a checked slot (id_card,
diploma, practice_proof, residence_permit; others are SKIPPED) it will: load the application (the
registration's name, identity number and exam year; the image's material type, object key, version,
reference and processed_at), read the picture from the materials bucket, ``Reader.read(picture,
unwatermark.texts_for(reference, processed_at))``, ``decide.check(CheckImage(...))``, then for the
identity slot ``decide.reconcile`` over its images' checks in slot order, and store each image's
checks conditional on the image version it read (a newer version makes the result stale).
"""
