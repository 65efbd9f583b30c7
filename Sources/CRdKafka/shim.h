#ifndef KLAXON_CRDKAFKA_SHIM_H
#define KLAXON_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Swift cannot call C variadic functions: one fixed-arity wrapper per use. */

/* Makes the mock broker answer its next request of `api_key` normally, but only after
 * `rtt_ms` milliseconds. */
static inline rd_kafka_resp_err_t klaxon_mock_delay_next_request(
    rd_kafka_mock_cluster_t *mcluster, int32_t broker_id, int16_t api_key, int rtt_ms) {
    return rd_kafka_mock_broker_push_request_error_rtts(
        mcluster, broker_id, api_key, 1, RD_KAFKA_RESP_ERR_NO_ERROR, rtt_ms);
}
#endif
