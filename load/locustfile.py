"""Load test of the Patient API through its gateway (docs/design.md §3), for Locust 2.

Every operation of the contract runs in a mix that is mostly reads, with valid and invalid
requests. Each request states the status it expects: an expected 400/404/412 counts as a
success, and any other answer (a 5xx, a 429, a 401, a wrong 4xx, an error body that is not
problem+json) as a failure, so Locust's exit code says whether the API behaved.

Where it sends requests, and with which keys, in this order of precedence:
  --host / PATIENT_API_URL                 the gateway (default: gatewayUrl of the stack's stack.json)
  SUBSCRIPTION_KEY                         a consumer key (default: every subscription of the stack)
  COMPLIANCE_SUBSCRIPTION_KEY              a key of the compliance product (audit route)
  EXTRA_SUBSCRIPTION_KEYS                  more keys for the patient routes, comma-separated
  --data-dir / PATIENT_STACK_DATA_DIR      the local stack's data directory (default .local)

The gateway limits each subscription (rate-limit-by-key in contracts/apim-policy.xml), so users
are spread round-robin over all the subscriptions that may call the patient routes: with the
local stack's data directory that is its consumer, compliance and rotation-probe subscriptions.
"""

import itertools
import json
import os
import random
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

PROBLEM_JSON = "application/problem+json"


@events.init_command_line_parser.add_listener
def add_arguments(parser):
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("PATIENT_STACK_DATA_DIR", ".local"),
        help="data directory of a local stack (stack.json, subscriptions); default .local",
    )


class Access:
    """The gateway URL and the subscription keys the users share."""

    patient_keys = []
    compliance_key = None
    _next_user = itertools.count()

    @classmethod
    def key_for_next_user(cls):
        return cls.patient_keys[next(cls._next_user) % len(cls.patient_keys)]


def read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


@events.init.add_listener
def configure(environment, **_kwargs):
    data_dir = Path(environment.parsed_options.data_dir if environment.parsed_options else ".local")
    stack = read_json(data_dir / "stack.json") or {}
    subscriptions = read_json(data_dir / "secrets" / "apim-subscriptions.json") or []

    environment.host = environment.host or os.environ.get("PATIENT_API_URL") or stack.get("gatewayUrl")
    consumer = os.environ.get("SUBSCRIPTION_KEY")
    if consumer:
        keys = [consumer]
    else:
        # One key per subscription: the rate limit counts per subscription, not per key.
        keys = [s["primaryKey"] for s in subscriptions if s.get("product") in ("consumers", "compliance")]
        keys = keys or [k for k in [stack.get("subscriptionKey")] if k]
    keys += [k.strip() for k in os.environ.get("EXTRA_SUBSCRIPTION_KEYS", "").split(",") if k.strip()]
    Access.patient_keys = keys
    Access.compliance_key = os.environ.get("COMPLIANCE_SUBSCRIPTION_KEY") or stack.get("complianceSubscriptionKey")

    missing = [
        name
        for name, value in [
            ("the gateway URL (--host, PATIENT_API_URL or stack.json)", environment.host),
            ("a subscription key (SUBSCRIPTION_KEY or stack.json)", keys),
            ("the compliance key (COMPLIANCE_SUBSCRIPTION_KEY or stack.json)", Access.compliance_key),
        ]
        if not value
    ]
    if missing:
        raise SystemExit(f"locustfile: missing {', '.join(missing)}; no stack.json under {data_dir}")


def new_patient():
    suffix = uuid.uuid4().hex[:8]
    return {
        "firstName": random.choice(["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken"]),
        "lastName": f"Load-{suffix}",
        "gender": random.choice(["male", "female", "other", "unknown"]),
        "dateOfBirth": random.choice(["1950", "1975-06", "1988-02-29", "2001-12-31"]),
        "postCode": random.choice(["AB1 2CD", "EH1 1YZ", "SW1A 1AA"]),
        "insuranceNumber": f"INS-{suffix}",
        "preferredContactNumber": "+44 20 7946 0000",
    }


def new_test_result():
    return {
        "performer": "Load Lab",
        "orderReference": f"ORD-{uuid.uuid4().hex[:10]}",
        "observations": [
            {
                "id": "obs-1",
                "code": random.choice(["718-7", "2345-7", "2160-0"]),
                "measurement": f"{random.uniform(1, 20):.1f} mmol/L",
                "interpretation": "normal",
                "issued": "2024-03-01T10:00:00Z",
                "status": "final",
            }
        ],
    }


class PatientApiUser(HttpUser):
    """One client system: keeps the patients and test results it created and works on them."""

    wait_time = between(1, 3)

    def on_start(self):
        self.key = Access.key_for_next_user()
        self.patients = {}  # id -> {"body": dict, "etag": str, "tests": {test id -> {"body", "etag"}}}
        self.create_patient()
        self.create_test_result()

    # --- plumbing ---------------------------------------------------------------------------

    def call(self, method, path, name, expected, key=None, **kwargs):
        headers = {"Ocp-Apim-Subscription-Key": key or self.key, **kwargs.pop("headers", {})}
        with self.client.request(method, path, name=name, headers=headers, catch_response=True, **kwargs) as response:
            content_type = response.headers.get("Content-Type", "")
            if response.status_code != expected:
                response.failure(f"expected {expected}, got {response.status_code}: {response.text[:200]}")
            elif expected >= 400 and not content_type.startswith(PROBLEM_JSON):
                response.failure(f"{expected} without a problem document (Content-Type {content_type!r})")
            else:
                response.success()
            return response if response.status_code == expected else None

    def some_patient(self):
        if not self.patients:
            self.create_patient()
        return random.choice(list(self.patients)) if self.patients else None

    def some_test(self):
        candidates = [(p, t) for p, entry in self.patients.items() for t in entry["tests"]]
        if not candidates:
            self.create_test_result()
            candidates = [(p, t) for p, entry in self.patients.items() for t in entry["tests"]]
        return random.choice(candidates) if candidates else (None, None)

    # --- valid requests ---------------------------------------------------------------------

    @task(26)
    def load_patient(self):
        patient_id = self.some_patient()
        if patient_id and (response := self.call("GET", f"/patient/{patient_id}", "GET /patient/{id}", 200)):
            self.patients[patient_id].update(body=response.json(), etag=response.headers.get("ETag"))

    @task(12)
    def search_patients(self):
        patient_id = self.some_patient()
        if patient_id:
            body = self.patients[patient_id]["body"]
            criteria = {"lastName": body["lastName"], "dateOfBirthFrom": "1900", "dateOfBirthTo": "2020-12-31", "limit": 10}
            self.call("POST", "/patient/search", "POST /patient/search", 200, json=criteria)

    @task(12)
    def list_test_results(self):
        patient_id = self.some_patient()
        if patient_id:
            self.call("GET", f"/patient/{patient_id}/tests", "GET /patient/{id}/tests", 200)

    @task(10)
    def load_test_result(self):
        patient_id, test_id = self.some_test()
        if test_id and (response := self.call("GET", f"/patient/{patient_id}/tests/{test_id}", "GET /patient/{id}/tests/{testId}", 200)):
            self.patients[patient_id]["tests"][test_id] = {"body": response.json(), "etag": response.headers.get("ETag")}

    @task(6)
    def create_patient(self):
        if response := self.call("POST", "/patient", "POST /patient", 201, json=new_patient()):
            created = response.json()
            self.patients[created["id"]] = {"body": created, "etag": response.headers.get("ETag"), "tests": {}}

    @task(5)
    def update_patient(self):
        patient_id = self.some_patient()
        if not patient_id:
            return
        entry = self.patients[patient_id]
        body = {**entry["body"], "postCode": random.choice(["AB1 2CD", "EH1 1YZ", "SW1A 1AA"])}
        if response := self.call("PUT", f"/patient/{patient_id}", "PUT /patient/{id}", 200, json=body, headers={"If-Match": entry["etag"]}):
            entry.update(body=response.json(), etag=response.headers.get("ETag"))

    @task(2)
    def delete_patient(self):
        # Keeps one patient, so reads always have something to read.
        if len(self.patients) < 2:
            self.create_patient()
            return
        patient_id = random.choice(list(self.patients))
        if self.call("DELETE", f"/patient/{patient_id}", "DELETE /patient/{id}", 204) is not None:
            del self.patients[patient_id]

    @task(7)
    def create_test_result(self):
        patient_id = self.some_patient()
        if patient_id and (response := self.call("POST", f"/patient/{patient_id}/tests", "POST /patient/{id}/tests", 201, json=new_test_result())):
            created = response.json()
            self.patients[patient_id]["tests"][created["id"]] = {"body": created, "etag": response.headers.get("ETag")}

    @task(3)
    def update_test_result(self):
        patient_id, test_id = self.some_test()
        if not test_id:
            return
        entry = self.patients[patient_id]["tests"][test_id]
        body = {**entry["body"], "performer": f"Load Lab {random.randint(1, 9)}"}
        path = f"/patient/{patient_id}/tests/{test_id}"
        if response := self.call("PUT", path, "PUT /patient/{id}/tests/{testId}", 200, json=body, headers={"If-Match": entry["etag"]}):
            self.patients[patient_id]["tests"][test_id] = {"body": response.json(), "etag": response.headers.get("ETag")}

    @task(2)
    def delete_test_result(self):
        patient_id, test_id = self.some_test()
        if test_id and self.call("DELETE", f"/patient/{patient_id}/tests/{test_id}", "DELETE /patient/{id}/tests/{testId}", 204) is not None:
            del self.patients[patient_id]["tests"][test_id]

    @task(3)
    def read_audit_trail(self):
        patient_id = self.some_patient()
        if patient_id:
            self.call("GET", f"/compliance/patient/{patient_id}/audit", "GET /compliance/patient/{id}/audit", 200, key=Access.compliance_key)

    # --- invalid requests, each with the answer the contract promises ------------------------

    @task(3)
    def create_invalid_patient(self):
        body = random.choice([
            {**new_patient(), "id": str(uuid.uuid4())},
            {**new_patient(), "dateOfBirth": "1990-02-30"},
            {"firstName": "NoGender", "dateOfBirth": "1990", "postCode": "AB1 2CD"},
        ])
        self.call("POST", "/patient", "POST /patient (invalid)", 400, json=body)

    @task(3)
    def load_missing_patient(self):
        self.call("GET", f"/patient/{uuid.uuid4()}", "GET /patient/{id} (missing)", 404)

    @task(2)
    def update_with_stale_etag(self):
        patient_id = self.some_patient()
        if patient_id:
            body = self.patients[patient_id]["body"]
            self.call("PUT", f"/patient/{patient_id}", "PUT /patient/{id} (stale If-Match)", 412, json=body, headers={"If-Match": '"stale"'})

    @task(2)
    def create_test_for_missing_patient(self):
        self.call("POST", f"/patient/{uuid.uuid4()}/tests", "POST /patient/{id}/tests (missing patient)", 404, json=new_test_result())

    @task(1)
    def search_with_operator(self):
        self.call("POST", "/patient/search", "POST /patient/search (operator)", 400, json={"lastName": {"$ne": None}})

    @task(1)
    def delete_missing_test_result(self):
        patient_id = self.some_patient()
        if patient_id:
            self.call("DELETE", f"/patient/{patient_id}/tests/{uuid.uuid4()}", "DELETE /patient/{id}/tests/{testId} (missing)", 404)
