"""Row 2: images per second on one core through the real process_image handler, with in-process
moto, next to the pure ``imaging.process`` rate on the same files.

Each round: a fresh application reserves its ten places (id card x2, diploma x2, practice proof,
other x5) through upload_presign, the ten files go into the uploads bucket, S3 notifies the queue,
and one ``Worker.poll_once`` (local/worker.py, Lambda's event source mapping) receives the batch of
ten and invokes ``process_image.app.lambda_handler``. Only the invoke is timed for the handler
rate; the whole poll (receive + invoke + delete) is kept as well. The same ten files then go
through ``imaging.process`` alone: the difference is S3/DynamoDB (moto, in-process), Powertools
and the service layer.
"""

from __future__ import annotations

import time

from bench.common import Row, ratio

BATCH = (("id_card", 2), ("diploma", 2), ("practice_proof", 1), ("other", 5))  # 10 places in one application


def run(files: list[bytes], rounds: int) -> tuple[list[Row], dict]:
    from bench.aws import Api, in_process_aws
    from bench.common import captured_output
    from bench.image_row import subject
    from local.invoke import LambdaContext, claims
    from local.worker import Worker
    from process_image.app import lambda_handler
    from testkit.people import REGISTRAR, registration
    from testkit.steps import put, reserve

    handler_s, aws_s, poll_s, pure_s, images = 0.0, 0.0, 0.0, 0.0, 0
    per_round = []
    with in_process_aws() as aws, captured_output():
        from bench.journey import Meter
        from core import db, storage

        api = Api()
        meter = Meter(capacity=False)  # times the handler's own S3 and DynamoDB calls (moto)
        meter.attach(db.client(), storage.client())
        arn = aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        spent = {"handler": 0.0, "failed": 0}

        def invoke(event):
            started = time.perf_counter()
            try:
                result = lambda_handler(event, LambdaContext())
            except Exception:
                spent["failed"] += len(event["Records"])
                raise
            finally:
                spent["handler"] += time.perf_counter() - started
            spent["failed"] += len(result.get("batchItemFailures") or [])
            return result

        worker = Worker(aws.sqs, aws.queue_url, arn, "us-east-1", invoke=invoke, wait_seconds=0)
        for r in range(rounds + 1):  # round 0 warms up imports, clients and caches
            app_id = f"bench-tp-{r:03d}"
            cand = claims(f"cand-tp-{r:03d}", "candidate")
            if api("status", "PUT", f"/applications/{app_id}", REGISTRAR, registration(candidate=cand["sub"])).status != 201:
                raise RuntimeError("throughput: registration failed")
            batch = []
            for material, count in BATCH:
                for _ in range(count):
                    reply = reserve(api, cand, app_id, material)
                    if reply.status != 201:
                        raise RuntimeError(f"throughput: reserve failed {reply.body}")
                    data = files[len(batch) % len(files)]
                    put(aws, reply.body["upload"]["fields"]["key"], data)
                    batch.append(data)
            spent.update(handler=0.0, failed=0)
            meter.calls.clear()
            started = time.perf_counter()
            got = worker.poll_once()
            poll = time.perf_counter() - started
            if got != len(batch) or spent["failed"]:
                raise RuntimeError(f"throughput: {got} messages of {len(batch)} received, {spent['failed']} failed")
            started = time.perf_counter()
            for data in batch:
                subject(data)
            pure = time.perf_counter() - started
            if r == 0:
                continue
            aws_time = sum(c.seconds for c in meter.calls)
            handler_s += spent["handler"]
            aws_s += aws_time
            poll_s += poll
            pure_s += pure
            images += got
            per_round.append({"images": got, "handler_s": spent["handler"], "aws_s": aws_time, "poll_s": poll,
                              "pure_s": pure, "aws_calls": len(meter.calls)})
    handler_rate, poll_rate, pure_rate = images / handler_s, images / poll_s, images / pure_s
    detail = {"images": images, "rounds": per_round, "handler_images_per_s": handler_rate,
              "poll_images_per_s": poll_rate, "pure_images_per_s": pure_rate,
              "handler_ms_per_image": 1000 * handler_s / images, "aws_ms_per_image": 1000 * aws_s / images,
              "pure_ms_per_image": 1000 * pure_s / images}
    rows = [
        Row("2 handler throughput, 1 core, batches of 10", handler_rate, pure_rate, ratio(pure_rate, handler_rate),
            unit="img/s", note=f"{1000 * handler_s / images:.0f} ms/img, of which moto {1000 * aws_s / images:.0f};"
                               f" pure {1000 * pure_s / images:.0f}"),
        Row("2   incl. SQS receive + delete (whole poll)", poll_rate, pure_rate, ratio(pure_rate, poll_rate),
            unit="img/s"),
    ]
    return rows, detail
