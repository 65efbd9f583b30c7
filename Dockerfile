# Klaxon service image: build with the Swift toolchain, run on slim Debian.
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev libcurl4-openssl-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.swift declares targets under Benchmarks/ and Tests/ too: the manifest does not load
# without them (only the klaxon product is built). Package.resolved pins the dependencies.
COPY Package.swift Package.resolved ./
COPY Sources ./Sources
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
RUN swift build -c release --product klaxon --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 libcurl4 libsqlite3-0 ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/klaxon klaxon \
    && mkdir -p /var/lib/klaxon && chown klaxon /var/lib/klaxon
WORKDIR /app
COPY --from=build /src/.build/release/klaxon /usr/local/bin/klaxon
COPY config ./config
COPY routes ./routes
USER klaxon
EXPOSE 9095
ENTRYPOINT ["klaxon"]
CMD ["run", "--config", "config/klaxon.kafka.yml"]
