"""Run by tests/integration/test_tracing.py in a process of its own (X-Ray's recorder and its botocore
patch are global): the real handlers as Lambda runs them with tracing on, against moto, sending their
segments to the UDP address in AWS_XRAY_DAEMON_ADDRESS. Prints, as JSON, what must never be in a trace:
the candidate's name and identity number, the POST policy and every signature the answers carried.

    python -m tests.integration.trace_probe <name> <idNumber>
"""

from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit


def main(name: str, number: str) -> None:
    from moto import mock_aws

    from deploy.catalogue import seed
    from local.invoke import LambdaContext, claims, http_event, invoke
    from local.stack import client, provision
    from local.template import derive, load_template
    from testkit.people import registration
    from tests.flow import drain, small_photo, worker

    stack = derive(load_template(), {"JwtIssuer": "https://issuer.test", "JwtAudience": "trace"})
    candidate, site = claims("cand-trace", "candidate"), claims("rev-trace", "site_reviewer", site="1101", region="11")
    with mock_aws():
        ddb, sqs, s3 = (client(s, None) for s in ("dynamodb", "sqs", "s3"))
        provision(stack, None, (ddb, sqs, s3))
        seed(ddb, stack.names["AppTable"])  # the requirement catalogue's first version
        queue = sqs.get_queue_url(QueueName=stack.names["UploadQueue"])["QueueUrl"]
        sqs.purge_queue(QueueUrl=queue)
        from review.app import lambda_handler as review
        from status.app import lambda_handler as status
        from upload_presign.app import lambda_handler as presign

        def call(handler, method, path, who, body=None):
            return invoke(handler, http_event(method, path, who, body=body, headers={"content-type": "application/json"}),
                          LambdaContext())

        body = registration("cand-trace", name=name, number=number)
        assert call(status, "PUT", "/applications/trace-1", claims("registrar", "registrar"), body).status == 201
        reserved = call(presign, "POST", "/applications/trace-1/materials/id_card/images", candidate,
                        {"contentType": "image/jpeg"}).body
        fields = reserved["upload"]["fields"]
        s3.put_object(Bucket=stack.names["UploadsBucket"], Key=fields["key"], Body=small_photo(), ContentType="image/jpeg")
        drain(SimpleNamespace(sqs=sqs, queue_url=queue))
        page = call(status, "GET", "/applications/trace-1", candidate).body
        review_page = call(review, "GET", "/review/applications/trace-1", site).body
        urls = [i[k] for p in (page, review_page) for m in p["materials"] for i in m["images"]
                for k in ("url", "thumbnailUrl") if i.get(k)]
        assert urls and page["application"]["candidateName"] == name, page
        signatures = [parse_qs(urlsplit(u).query)["X-Amz-Signature"][0] for u in urls]
        # An error path: the table gone, process_image's only record fails and the handler raises.
        again = call(presign, "POST", "/applications/trace-1/materials/id_card/images", candidate,
                     {"contentType": "image/jpeg"}).body["upload"]["fields"]
        ddb.delete_table(TableName=stack.names["AppTable"])
        s3.put_object(Bucket=stack.names["UploadsBucket"], Key=again["key"], Body=small_photo(2), ContentType="image/jpeg")
        assert worker(SimpleNamespace(sqs=sqs, queue_url=queue)).poll_once() == 1
    print(json.dumps({"policies": [fields["policy"], again["policy"]],
                      "signatures": [fields["x-amz-signature"], again["x-amz-signature"], *signatures]}))


if __name__ == "__main__":
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", "trace-probe")
    main(*sys.argv[1:3])
