"""The reference implementation's load-test mix, as its clients send it, for Locust 2.

The reference (mspnp/vnet-integrated-serverless-microservices, src/LoadTest, written for Locust
0.14) runs eight task sets with equal weight, users waiting 1-5 s. This file sends the same
routes, bodies and headers and expects the same status codes, so a run with 0 failures shows
that the reference's existing clients keep working:

- bodies are sent as a JSON string with NO Content-Type header (its client set none);
- routes keep its trailing slashes (`POST patient/`, `GET patient/{id}/tests/`);
- an update sends back the body it just read (with `id` and `lastUpdated`) and no If-Match;
- test-result observations carry a free-text `status`; a search sends `{"id": ...}` or `{}`;
- invalid requests: a patient with only `lastName` (400), patient id "1" (404 on reads, 400 on a
  test-result create), test id "1" (404).

Its ninth task set calls API Management's built-in Echo API (`echo/resource`), which is not part
of this product; docs/apis.md lists it among the deliberate differences.

Keys and the gateway URL come from the same places as load/locustfile.py (which this imports
for that configuration only).
"""

import json
import random
import string
from datetime import datetime, timezone

from locust import HttpUser, between, task

from locustfile import Access


def random_letters(length=6):
    return "".join(random.choice(string.ascii_uppercase) for _ in range(length))


def reference_patient():
    first, last = random_letters(), f"LT_{random_letters()}"
    return {
        "firstName": first,
        "lastName": last,
        "fullName": f"{first} {last}",
        "gender": random.choice(["male", "female", "other", "unknown"]),
        "dateOfBirth": f"{random.randrange(1920, 2020)}-{random.randrange(1, 12):02d}-{random.randrange(1, 28):02d}",
        "postCode": str(random.randrange(1000, 9999)),
        "insuranceNumber": str(random.randrange(9999999999)),
        "preferredContactNumber": str(random.randrange(9999999999)),
    }


def reference_test_result(patient_id):
    return {
        "patientId": patient_id,
        "performer": random_letters(),
        "orderReference": random_letters(),
        "observations": [
            {
                "id": random_letters(),
                "code": random_letters(),
                "measurement": random_letters(),
                "interpretation": random_letters(),
                "issued": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "status": random_letters(),
            }
        ],
    }


class Shared:
    """Ids every user may pick from, as the reference kept them in class variables."""

    patient_ids = []
    tests = []


class ReferenceClient(HttpUser):
    wait_time = between(1, 5)

    def on_start(self):
        self.key = Access.key_for_next_user()

    def call(self, method, path, name, expected, body=None):
        # A str body and no Content-Type: what the reference's client put on the wire.
        data = None if body is None else json.dumps(body)
        headers = {"Ocp-Apim-Subscription-Key": self.key}
        with self.client.request(method, path, name=name, data=data, headers=headers, catch_response=True) as response:
            if response.status_code == expected:
                response.success()
                return response
            response.failure(f"expected {expected}, got {response.status_code}: {response.text[:200]}")
            return None

    @task(9)
    def create_valid_patient(self):
        if response := self.call("POST", "/patient/", "patient/", 201, reference_patient()):
            Shared.patient_ids.append(response.json()["id"])

    @task(1)
    def create_invalid_patient(self):
        self.call("POST", "/patient/", "patient/ (invalid)", 400, {"lastName": "LT"})

    @task(9)
    def load_valid_patient(self):
        if Shared.patient_ids:
            self.call("GET", f"/patient/{random.choice(Shared.patient_ids)}", "patient/{id}", 200)

    @task(1)
    def load_invalid_patient(self):
        self.call("GET", "/patient/1", "patient/1", 404)

    @task(10)
    def update_patient(self):
        if Shared.patient_ids:
            patient_id = random.choice(Shared.patient_ids)
            if loaded := self.call("GET", f"/patient/{patient_id}", "patient/{id}", 200):
                self.call("PUT", f"/patient/{patient_id}", "patient/{id} (update)", 200, loaded.json())

    @task(5)
    def search_by_id(self):
        if Shared.patient_ids:
            self.call("POST", "/patient/search", "patient/search (id)", 200, {"id": random.choice(Shared.patient_ids)})

    @task(5)
    def search_all(self):
        if Shared.patient_ids:
            self.call("POST", "/patient/search", "patient/search ({})", 200, {})

    @task(9)
    def create_valid_test(self):
        if Shared.patient_ids:
            patient_id = random.choice(Shared.patient_ids)
            if response := self.call("POST", f"/patient/{patient_id}/tests", "patient/{id}/tests", 201, reference_test_result(patient_id)):
                created = response.json()
                Shared.tests.append((created["patientId"], created["id"]))

    @task(1)
    def create_invalid_test(self):
        self.call("POST", "/patient/1/tests", "patient/1/tests", 400, reference_test_result("1"))

    @task(9)
    def load_tests_of_valid_patient(self):
        if Shared.tests:
            self.call("GET", f"/patient/{random.choice(Shared.tests)[0]}/tests/", "patient/{id}/tests/", 200)

    @task(1)
    def load_tests_of_invalid_patient(self):
        self.call("GET", "/patient/1/tests/", "patient/1/tests/", 404)

    @task(9)
    def load_valid_test(self):
        if Shared.tests:
            patient_id, test_id = random.choice(Shared.tests)
            self.call("GET", f"/patient/{patient_id}/tests/{test_id}", "patient/{id}/tests/{testId}", 200)

    @task(1)
    def load_invalid_test(self):
        if Shared.tests:
            self.call("GET", f"/patient/{random.choice(Shared.tests)[0]}/tests/1", "patient/{id}/tests/1", 404)
