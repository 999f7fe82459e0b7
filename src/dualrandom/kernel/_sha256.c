/* Batch ticket digests: SHA-256(prefix + code) for many codes under one 64-byte prefix.
 *
 * The prefix (the hex seed digest, 64 ASCII bytes) is exactly one SHA-256 block, so its
 * compression is done once (the midstate) and each code costs one more compression when its
 * UTF-8 form is at most 55 bytes (more blocks when longer). Written from FIPS 180-4: the
 * portable compression below follows section 6.2.2 line by line; on x86-64 CPUs with the SHA
 * extensions the same compression runs on the SHA-NI instructions, chosen at run time.
 * Results are checked byte for byte against hashlib by tests/test_kernel_*.py.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if !defined(_WIN32)
#include <pthread.h>
#define KERNEL_THREADS 1
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define KERNEL_SHA_NI 1
#endif

/* K: first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
    0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
    0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Initial hash value H(0): fractional parts of the square roots of the first 8 primes. */
static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

typedef void (*compress_fn)(uint32_t state[8], const uint8_t *blocks, size_t count);

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* FIPS 180-4 section 6.2.2: message schedule, 64 rounds, add to the previous hash value. */
static void compress_portable(uint32_t state[8], const uint8_t *blocks, size_t count) {
    for (; count > 0; count--, blocks += 64) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++) w[t] = load_be32(blocks + 4 * t);
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = s1 + w[t - 7] + s0 + w[t - 16];
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 64; t++) {
            uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K256[t] + w[t];
            uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g; g = f; f = e; e = d + t1;
            d = c; c = b; b = a; a = t1 + t2;
        }
        state[0] += a; state[1] += b; state[2] += c; state[3] += d;
        state[4] += e; state[5] += f; state[6] += g; state[7] += h;
    }
}

#ifdef KERNEL_SHA_NI
/* The same compression on SHA-NI. SHA256RNDS2 does two rounds on the working variables held
 * as (A,B,E,F) and (C,D,G,H), highest lane first; after two rounds the old (A,B,E,F) is the
 * new (C,D,G,H), so the two registers swap roles every call. SHA256MSG1/MSG2 compute the
 * schedule W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] four words at a time. */
#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3"), always_inline)) static inline

typedef struct {
    __m128i abef, cdgh; /* lanes F E B A and H G D C */
    __m128i m[4];       /* the last 16 schedule words */
} ShaLanes;

SHA_TARGET void lanes_load(ShaLanes *x, const uint32_t state[8]) {
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0xB1);      /* B A D C */
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(state + 4)), 0x1B); /* H G F E */
    x->abef = _mm_alignr_epi8(abcd, efgh, 8);
    x->cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);
}

SHA_TARGET void lanes_store(const ShaLanes *x, uint32_t state[8]) {
    __m128i fe_ba = _mm_shuffle_epi32(x->abef, 0x1B);                             /* A B E F */
    __m128i hg_dc = _mm_shuffle_epi32(x->cdgh, 0xB1);                             /* G H C D */
    _mm_storeu_si128((__m128i *)state, _mm_blend_epi16(fe_ba, hg_dc, 0xF0));      /* A B C D */
    _mm_storeu_si128((__m128i *)(state + 4), _mm_alignr_epi8(hg_dc, fe_ba, 8));   /* E F G H */
}

SHA_TARGET void lanes_message(ShaLanes *x, const uint8_t block[64]) {
    const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    for (int i = 0; i < 4; i++)
        x->m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * i)), byteswap);
}

/* Rounds 4g .. 4g+3; from g = 4 on, first the next four schedule words (m[g&3] holds
 * W[4g-16..], m[(g+3)&3] holds W[4g-4..]). */
SHA_TARGET void lanes_rounds(ShaLanes *x, int g) {
    __m128i *m = x->m;
    if (g >= 4) {
        __m128i w7 = _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4);
        __m128i sum = _mm_add_epi32(_mm_sha256msg1_epu32(m[g & 3], m[(g + 1) & 3]), w7);
        m[g & 3] = _mm_sha256msg2_epu32(sum, m[(g + 3) & 3]);
    }
    __m128i wk = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)(K256 + 4 * g)));
    x->cdgh = _mm_sha256rnds2_epu32(x->cdgh, x->abef, wk);
    x->abef = _mm_sha256rnds2_epu32(x->abef, x->cdgh, _mm_shuffle_epi32(wk, 0x0E));
}

__attribute__((target("sha,sse4.1,ssse3")))
static void compress_sha_ni(uint32_t state[8], const uint8_t *blocks, size_t count) {
    ShaLanes x;
    lanes_load(&x, state);
    for (; count > 0; count--, blocks += 64) {
        __m128i abef = x.abef, cdgh = x.cdgh;
        lanes_message(&x, blocks);
#pragma GCC unroll 16
        for (int g = 0; g < 16; g++) lanes_rounds(&x, g);
        x.abef = _mm_add_epi32(x.abef, abef);
        x.cdgh = _mm_add_epi32(x.cdgh, cdgh);
    }
    lanes_store(&x, state);
}

/* One block into each of two states, the rounds interleaved so that one hash's instructions
 * fill the latency of the other's. */
__attribute__((target("sha,sse4.1,ssse3")))
static void compress2_sha_ni(uint32_t a[8], const uint8_t block_a[64], uint32_t b[8], const uint8_t block_b[64]) {
    ShaLanes x, y;
    lanes_load(&x, a);
    lanes_load(&y, b);
    __m128i x_abef = x.abef, x_cdgh = x.cdgh, y_abef = y.abef, y_cdgh = y.cdgh;
    lanes_message(&x, block_a);
    lanes_message(&y, block_b);
#pragma GCC unroll 16
    for (int g = 0; g < 16; g++) {
        lanes_rounds(&x, g);
        lanes_rounds(&y, g);
    }
    x.abef = _mm_add_epi32(x.abef, x_abef);
    x.cdgh = _mm_add_epi32(x.cdgh, x_cdgh);
    y.abef = _mm_add_epi32(y.abef, y_abef);
    y.cdgh = _mm_add_epi32(y.cdgh, y_cdgh);
    lanes_store(&x, a);
    lanes_store(&y, b);
}

static int cpu_has_sha_ni(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 9)) || !(c & (1u << 19))) return 0;  /* SSSE3, SSE4.1 */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 29) & 1;                                  /* SHA */
}
#endif

typedef void (*compress2_fn)(uint32_t a[8], const uint8_t block_a[64], uint32_t b[8], const uint8_t block_b[64]);

static void compress2_portable(uint32_t a[8], const uint8_t block_a[64], uint32_t b[8], const uint8_t block_b[64]) {
    compress_portable(a, block_a, 1);
    compress_portable(b, block_b, 1);
}

/* The last block of a code of at most 55 bytes: the code, 0x80, zeros, the bit length. */
static void short_tail(const uint8_t *code, size_t length, uint8_t tail[64]) {
    uint64_t bits = ((uint64_t)length + 64) * 8;
    memset(tail, 0, 64);
    memcpy(tail, code, length);
    tail[length] = 0x80;
    for (int i = 0; i < 8; i++) tail[63 - i] = (uint8_t)(bits >> (8 * i));
}

/* Two digests of codes of at most 55 bytes each: one compression each, interleaved. */
static void digest_two(compress2_fn compress2, const uint32_t midstate[8], const uint8_t *code_a, size_t length_a,
                       const uint8_t *code_b, size_t length_b, uint8_t out_a[32], uint8_t out_b[32]) {
    uint32_t a[8], b[8];
    uint8_t tail_a[64], tail_b[64];
    memcpy(a, midstate, sizeof a);
    memcpy(b, midstate, sizeof b);
    short_tail(code_a, length_a, tail_a);
    short_tail(code_b, length_b, tail_b);
    compress2(a, tail_a, b, tail_b);
    for (int i = 0; i < 8; i++) {
        store_be32(out_a + 4 * i, a[i]);
        store_be32(out_b + 4 * i, b[i]);
    }
}

/* One digest: the rest of the message after the prefix block, padded per FIPS 180-4 5.1.1. */
static void digest_one(compress_fn compress, const uint32_t midstate[8], const uint8_t *code, size_t length,
                       uint8_t out[32]) {
    uint32_t state[8];
    uint8_t tail[128];
    memcpy(state, midstate, sizeof state);
    size_t whole = length / 64;
    if (whole) compress(state, code, whole);
    size_t rest = length - 64 * whole;
    size_t blocks = rest + 9 <= 64 ? 1 : 2;
    memset(tail, 0, 64 * blocks);
    if (rest) memcpy(tail, code + 64 * whole, rest);
    tail[rest] = 0x80;
    uint64_t bits = ((uint64_t)length + 64) * 8;
    for (int i = 0; i < 8; i++) tail[64 * blocks - 1 - i] = (uint8_t)(bits >> (8 * i));
    compress(state, tail, blocks);
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, state[i]);
}

/* The ticket key: the 16 lowest decimal digits of the digest read as a big-endian integer n,
 * reversed (the first 16 digits after "0." of the ticket). n mod 10^16 is assembled from
 * n mod 2^16 and n mod 5^16; the latter sums the 16-bit limbs times 2^(16k) mod 5^16 (each
 * product is below 2^54, the sum below 2^58). Digits are reversed four at a time. */
#define FIVE16 152587890625ULL /* 5^16 */
static uint64_t limb_weights[16];   /* 2^(16 * (15 - j)) mod 5^16 */
static uint16_t reverse4[10000];     /* 1234 -> 4321, 0012 -> 2100 */

static void init_key_tables(void) {
    uint64_t weight = 1;
    for (int j = 15; j >= 0; j--, weight = (weight << 16) % FIVE16) limb_weights[j] = weight;
    for (int i = 0; i < 10000; i++)
        reverse4[i] = (uint16_t)((i % 10) * 1000 + (i / 10 % 10) * 100 + (i / 100 % 10) * 10 + i / 1000);
}

static uint64_t ticket_key(const uint8_t digest[32]) {
    uint64_t sum = 0;
    for (int j = 0; j < 16; j++) sum += (((uint64_t)digest[2 * j] << 8) | digest[2 * j + 1]) * limb_weights[j];
    uint64_t high = sum % FIVE16;
    uint64_t low = ((uint64_t)digest[30] << 8) | digest[31];
    /* n mod 10^16 = high + 5^16 t, with t = (low - high) / 5^16 mod 2^16; 5^16 * 41025 = 1 mod 2^16 */
    uint64_t tail = high + FIVE16 * (((low - high) * 41025u) & 0xFFFF);
    uint64_t lower8 = tail % 100000000u, upper8 = tail / 100000000u;
    uint64_t reversed_lower = (uint64_t)reverse4[lower8 % 10000] * 10000 + reverse4[lower8 / 10000];
    uint64_t reversed_upper = (uint64_t)reverse4[upper8 % 10000] * 10000 + reverse4[upper8 / 10000];
    return reversed_lower * 100000000u + reversed_upper;
}

/* The ticket's digits: the decimal digits of the digest (a big-endian integer n), lowest first,
 * which is the reversed zero-padded decimal of the recipe; returns how many to keep (at least
 * 64, at most 78 as n < 2^256 < 10^78). Divides eight 32-bit limbs by 10^9 nine times. */
static int ticket_digits(const uint8_t digest[32], char digits[81]) {
    uint32_t limbs[8];
    for (int i = 0; i < 8; i++) limbs[i] = load_be32(digest + 4 * i);
    int count = 0;
    for (int chunk = 0; chunk < 9; chunk++) {
        uint64_t rest = 0;
        for (int i = 0; i < 8; i++) {
            uint64_t current = (rest << 32) | limbs[i];
            limbs[i] = (uint32_t)(current / 1000000000u);
            rest = current % 1000000000u;
        }
        for (int k = 0; k < 9; k++, rest /= 10) digits[count++] = (char)('0' + rest % 10);
    }
    while (count > 64 && digits[count - 1] == '0') count--;
    return count;
}

enum { OUT_DIGESTS = 0, OUT_KEYS = 1, OUT_TICKETS = 2 };
#define TICKET_SLOT 82 /* per ticket: its digit count, then the 81 digits ticket_digits writes */
static const Py_ssize_t slot_size[3] = {32, 8, TICKET_SLOT};

typedef struct {
    compress_fn compress;
    compress2_fn compress2;
    const uint32_t *midstate;
    const char *const *codes;
    const Py_ssize_t *lengths;
    int output;     /* OUT_DIGESTS, OUT_KEYS or OUT_TICKETS */
    uint8_t *out;   /* slot_size[output] bytes per code */
    Py_ssize_t start, stop;
} Job;

/* Write code i's result (its digest, key or ticket digits) into its slot. */
static void emit(const Job *job, Py_ssize_t i, const uint8_t digest[32]) {
    uint8_t *slot = job->out + slot_size[job->output] * i;
    if (job->output == OUT_DIGESTS) {
        memcpy(slot, digest, 32);
    } else if (job->output == OUT_KEYS) {
        uint64_t key = ticket_key(digest);
        memcpy(slot, &key, sizeof key);
    } else {
        slot[0] = (uint8_t)ticket_digits(digest, (char *)slot + 1);
    }
}

static void *run_job(void *arg) {
    Job *job = (Job *)arg;
    uint8_t first[32], second[32];
    const uint8_t *const *codes = (const uint8_t *const *)job->codes;
    const Py_ssize_t *lengths = job->lengths;
    Py_ssize_t i = job->start;
    while (i < job->stop) {
        if (i + 1 < job->stop && lengths[i] <= 55 && lengths[i + 1] <= 55) {  /* one block each */
            digest_two(job->compress2, job->midstate, codes[i], (size_t)lengths[i], codes[i + 1],
                       (size_t)lengths[i + 1], first, second);
            emit(job, i++, first);
            emit(job, i++, second);
        } else {
            digest_one(job->compress, job->midstate, codes[i], (size_t)lengths[i], first);
            emit(job, i++, first);
        }
    }
    return NULL;
}

/* Hash every code, splitting the batch into `threads` equal contiguous ranges. */
static void run_all(Job base, Py_ssize_t n, int threads) {
#ifdef KERNEL_THREADS
    if (threads > 64) threads = 64;
    pthread_t ids[64];
    Job jobs[64];
    int started = 0;
    for (int t = 1; t < threads; t++) {
        jobs[t] = base;
        jobs[t].start = n * t / threads;
        jobs[t].stop = n * (t + 1) / threads;
        if (pthread_create(&ids[t], NULL, run_job, &jobs[t]) != 0) break;
        started = t;
    }
    jobs[0] = base;
    jobs[0].start = 0;
    jobs[0].stop = n / threads;
    run_job(&jobs[0]);
    for (int t = started + 1; t < threads; t++) {  /* ranges whose thread failed to start */
        jobs[t] = base;
        jobs[t].start = n * t / threads;
        jobs[t].stop = n * (t + 1) / threads;
        run_job(&jobs[t]);
    }
    for (int t = 1; t <= started; t++) pthread_join(ids[t], NULL);
#else
    (void)threads;
    base.start = 0;
    base.stop = n;
    run_job(&base);
#endif
}

static compress_fn best_compress = compress_portable;
static compress2_fn best_compress2 = compress2_portable;

/* The UTF-8 view of every code, each code's reference taken into `owned` in the same pass (one
 * visit per object): the codes stay alive while the GIL is released, even if another thread
 * changes the list the caller passed. Returns how many references were taken, -1 on error. */
static Py_ssize_t gather_codes(PyObject *fast, PyObject **owned, const char **codes, Py_ssize_t *lengths) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_Check(items[i])) {
            PyErr_Format(PyExc_TypeError, "code %zd is %.100s, not str", i, Py_TYPE(items[i])->tp_name);
            return -1 - i;
        }
        codes[i] = PyUnicode_AsUTF8AndSize(items[i], &lengths[i]);
        if (codes[i] == NULL) return -1 - i;
        Py_INCREF(items[i]);
        owned[i] = items[i];
    }
    return n;
}

static void release_codes(PyObject **owned, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++) Py_DECREF(owned[i]);
}

/* A list of ticket strings "0." + digits from the slots filled by OUT_TICKETS. */
static PyObject *ticket_list(const uint8_t *slots, Py_ssize_t n) {
    PyObject *list = PyList_New(n);
    for (Py_ssize_t i = 0; list != NULL && i < n; i++) {
        const uint8_t *slot = slots + TICKET_SLOT * i;
        PyObject *text = PyUnicode_New(2 + slot[0], 127);
        if (text == NULL) {
            Py_CLEAR(list);
            break;
        }
        Py_UCS1 *data = PyUnicode_1BYTE_DATA(text);
        data[0] = '0';
        data[1] = '.';
        memcpy(data + 2, slot + 1, slot[0]);
        PyList_SET_ITEM(list, i, text);
    }
    return list;
}

/* The result object for n codes (digests or keys, written in place), or NULL with `*slots` set
 * for tickets; NULL with no slots on a memory error. */
static PyObject *new_result(int output, Py_ssize_t n, uint8_t **slots) {
    *slots = NULL;
    if (output == OUT_KEYS) return PyByteArray_FromStringAndSize(NULL, 8 * n);
    if (output == OUT_DIGESTS) return PyBytes_FromStringAndSize(NULL, 32 * n);
    *slots = PyMem_Malloc(TICKET_SLOT * (size_t)(n ? n : 1));
    if (*slots == NULL) PyErr_NoMemory();
    return NULL;
}

/* Hash the n codes at codes[i] (lengths[i] bytes each) under the 64-byte prefix, the GIL released,
 * into `result` (digests, keys) or a new list of tickets. Steals `result`; NULL on error. */
static PyObject *hash_batch(const char *prefix, const char **codes, const Py_ssize_t *lengths, Py_ssize_t n,
                            int threads, int portable, int output, PyObject *result, uint8_t *slots) {
    uint8_t *out = slots ? slots
                 : output == OUT_KEYS ? (uint8_t *)PyByteArray_AS_STRING(result)
                                      : (uint8_t *)PyBytes_AS_STRING(result);
    uint32_t midstate[8];
    memcpy(midstate, H0, sizeof midstate);
    Job job = {portable ? compress_portable : best_compress, portable ? compress2_portable : best_compress2,
               midstate, codes, lengths, output, out, 0, 0};
    job.compress(midstate, (const uint8_t *)prefix, 1);
    threads = threads < 1 ? 1 : threads;
    threads = threads > n ? (n > 0 ? (int)n : 1) : threads;
    Py_BEGIN_ALLOW_THREADS
    run_all(job, n, threads);
    Py_END_ALLOW_THREADS
    if (slots) result = ticket_list(slots, n);
    return result;
}

static int check_prefix(Py_ssize_t prefix_length, int output) {
    if (prefix_length != 64 || output < OUT_DIGESTS || output > OUT_TICKETS) {
        PyErr_SetString(PyExc_ValueError, "the prefix must be 64 bytes (one block) and output 0, 1 or 2");
        return -1;
    }
    return 0;
}

static PyObject *kernel_digests(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"prefix", "codes", "threads", "portable", "output", NULL};
    const char *prefix;
    Py_ssize_t prefix_length;
    PyObject *sequence, *result = NULL;
    int threads = 1, portable = 0, output = OUT_DIGESTS;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y#O|ipi", names, &prefix, &prefix_length, &sequence,
                                     &threads, &portable, &output))
        return NULL;
    if (check_prefix(prefix_length, output) < 0) return NULL;
    PyObject *fast = PySequence_Fast(sequence, "codes must be a sequence of str");
    if (fast == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast), taken = 0;
    size_t room = (size_t)(n ? n : 1);
    PyObject **owned = PyMem_Malloc(sizeof(PyObject *) * room);
    const char **codes = PyMem_Malloc(sizeof(char *) * room);
    Py_ssize_t *lengths = PyMem_Malloc(sizeof(Py_ssize_t) * room);
    uint8_t *slots = NULL;
    result = new_result(output, n, &slots);
    if (owned == NULL || codes == NULL || lengths == NULL || (slots == NULL && result == NULL)) {
        Py_CLEAR(result);
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    taken = gather_codes(fast, owned, codes, lengths);
    if (taken < 0) {
        taken = -1 - taken;
        Py_CLEAR(result);
        goto done;
    }
    result = hash_batch(prefix, codes, lengths, n, threads, portable, output, result, slots);
done:
    release_codes(owned, taken);
    PyMem_Free(owned);
    PyMem_Free(codes);
    PyMem_Free(lengths);
    PyMem_Free(slots);
    Py_DECREF(fast);
    return result;
}

/* Codes given as Arrow's large string buffers: the UTF-8 bytes and n + 1 int64 offsets into them.
 * No Python object per code; the buffers are held (not copied) while the GIL is released. */
static PyObject *kernel_text_digests(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"prefix", "data", "offsets", "threads", "portable", "output", NULL};
    const char *prefix;
    Py_ssize_t prefix_length;
    Py_buffer data, offsets;
    int threads = 1, portable = 0, output = OUT_DIGESTS;
    PyObject *result = NULL;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y#y*y*|ipi", names, &prefix, &prefix_length, &data,
                                     &offsets, &threads, &portable, &output))
        return NULL;
    const char **codes = NULL;
    Py_ssize_t *lengths = NULL;
    uint8_t *slots = NULL;
    if (check_prefix(prefix_length, output) < 0) goto done;
    if (offsets.len < 8 || offsets.len % 8 != 0) {
        PyErr_SetString(PyExc_ValueError, "offsets must be n + 1 int64 values");
        goto done;
    }
    Py_ssize_t n = offsets.len / 8 - 1;
    const int64_t *at = (const int64_t *)offsets.buf;
    for (Py_ssize_t i = 0; i < n; i++) {  /* every code inside the data, none of negative length */
        if (at[i] < 0 || at[i + 1] < at[i] || at[i + 1] > (int64_t)data.len) {
            PyErr_Format(PyExc_ValueError, "offset %zd does not lie inside the data", i);
            goto done;
        }
    }
    size_t room = (size_t)(n ? n : 1);
    codes = PyMem_Malloc(sizeof(char *) * room);
    lengths = PyMem_Malloc(sizeof(Py_ssize_t) * room);
    result = new_result(output, n, &slots);
    if (codes == NULL || lengths == NULL || (slots == NULL && result == NULL)) {
        Py_CLEAR(result);
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        codes[i] = (const char *)data.buf + at[i];
        lengths[i] = (Py_ssize_t)(at[i + 1] - at[i]);
    }
    result = hash_batch(prefix, codes, lengths, n, threads, portable, output, result, slots);
done:
    PyMem_Free(codes);
    PyMem_Free(lengths);
    PyMem_Free(slots);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    return result;
}

/* Keys (output=1) or tickets (output=2) of given 32-byte digests, to test the conversions on
 * any digest, including those no code hashes to in practice (0, 10^64 - 1, 2^256 - 1). */
static PyObject *kernel_convert(PyObject *self, PyObject *args) {
    const char *buffer;
    Py_ssize_t size;
    int output;
    (void)self;
    if (!PyArg_ParseTuple(args, "y#i", &buffer, &size, &output)) return NULL;
    if (size % 32 != 0 || (output != OUT_KEYS && output != OUT_TICKETS)) {
        PyErr_SetString(PyExc_ValueError, "digests come 32 bytes each; output must be 1 or 2");
        return NULL;
    }
    Py_ssize_t n = size / 32;
    uint8_t *out = PyMem_Malloc((size_t)(slot_size[output] * (n ? n : 1)));
    if (out == NULL) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        const uint8_t *digest = (const uint8_t *)buffer + 32 * i;
        if (output == OUT_KEYS) {
            uint64_t key = ticket_key(digest);
            memcpy(out + 8 * i, &key, sizeof key);
        } else {
            out[TICKET_SLOT * i] = (uint8_t)ticket_digits(digest, (char *)out + TICKET_SLOT * i + 1);
        }
    }
    PyObject *result = output == OUT_KEYS ? PyByteArray_FromStringAndSize((const char *)out, 8 * n)
                                          : ticket_list(out, n);
    PyMem_Free(out);
    return result;
}

static PyMethodDef kernel_methods[] = {
    {"convert", kernel_convert, METH_VARARGS,
     "convert(digests, output) -> bytearray | list: keys (output=1) or tickets (output=2) of digests."},
    {"digests", (PyCFunction)(void (*)(void))kernel_digests, METH_VARARGS | METH_KEYWORDS,
     "digests(prefix, codes, threads=1, portable=False, output=0) -> bytes | bytearray | list\n\n"
     "The 32-byte SHA-256 digests of prefix + UTF-8(code), concatenated in the order of codes\n"
     "(output=0); their 16-digit ticket keys as native uint64 in a bytearray (output=1); or\n"
     "their full ticket strings in a list (output=2).\n"
     "prefix must be 64 bytes. Raises TypeError for a code that is not str, UnicodeEncodeError\n"
     "for a code that has no UTF-8 form (lone surrogates)."},
    {"text_digests", (PyCFunction)(void (*)(void))kernel_text_digests, METH_VARARGS | METH_KEYWORDS,
     "text_digests(prefix, data, offsets, threads=1, portable=False, output=0) -> bytes | bytearray | list\n\n"
     "As digests, for codes given as UTF-8 bytes and n + 1 native int64 offsets (Arrow's large\n"
     "string buffers). Raises ValueError when an offset lies outside the data."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT, "_sha256", "Batch SHA-256 digests under one 64-byte prefix.", -1, kernel_methods,
};

PyMODINIT_FUNC PyInit__sha256(void) {
    PyObject *module = PyModule_Create(&kernel_module);
    if (module == NULL) return NULL;
    init_key_tables();
    int sha_ni = 0;
#ifdef KERNEL_SHA_NI
    sha_ni = cpu_has_sha_ni();
    if (sha_ni) {
        best_compress = compress_sha_ni;
        best_compress2 = compress2_sha_ni;
    }
#endif
    int threaded = 0;
#ifdef KERNEL_THREADS
    threaded = 1;
#endif
    if (PyModule_AddIntConstant(module, "SHA_NI", sha_ni) < 0 ||
        PyModule_AddIntConstant(module, "THREADED", threaded) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
