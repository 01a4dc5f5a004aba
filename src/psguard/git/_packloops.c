/* The history reader's two inner loops over pack files, compiled. Each has a
 * pure-Python twin, used where this was not built; the tests run both.
 *
 * apply_delta_fresh(base: bytes, delta: bytes, window: int)
 *     -> (result: bytes, fresh: list[tuple[int, int]])
 *   git's delta format applied to a base, with the result's fresh ranges
 *   (packwalk.python_apply_delta_fresh).
 * pack_headers(pack: buffer, offsets: buffer of native uint64, sorted)
 *     -> (types: bytes, sizes: bytes of uint64, bases: bytes of int32, refs: list[int])
 *   every object header of a pack, in offset order (packlist._python_headers): its
 *   type (a delta's is its base's, 0 while unknown), its content size (a delta's is
 *   its base's), the position of an offset delta's base (-1 otherwise), and the
 *   positions of reference deltas and of deltas on them, to resolve by id.
 * Both raise ValueError on what does not parse (the caller asks git).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static int
varint(const unsigned char *d, Py_ssize_t end, Py_ssize_t *pos, unsigned long long *out)
{
    unsigned long long value = 0;
    int shift = 0;
    for (;;) {
        if (*pos >= end || shift > 63)
            return -1;
        unsigned char c = d[(*pos)++];
        value |= (unsigned long long)(c & 0x7f) << shift;
        shift += 7;
        if (!(c & 0x80))
            break;
    }
    *out = value;
    return 0;
}

/* Append the range being grown to the list; 0 on success. */
static int
push_range(PyObject *list, long long a, long long b)
{
    PyObject *t = Py_BuildValue("(LL)", a, b);
    if (t == NULL)
        return -1;
    int rc = PyList_Append(list, t);
    Py_DECREF(t);
    return rc;
}

static PyObject *
bad(const char *why)
{
    PyErr_SetString(PyExc_ValueError, why);
    return NULL;
}

static PyObject *
apply_delta_fresh(PyObject *self, PyObject *args)
{
    Py_buffer base, delta;
    long long w;
    if (!PyArg_ParseTuple(args, "y*y*L", &base, &delta, &w))
        return NULL;
    PyObject *result = NULL, *fresh = NULL, *out = NULL;
    const unsigned char *d = delta.buf;
    const unsigned char *b = base.buf;
    Py_ssize_t end = delta.len, pos = 0;
    unsigned long long base_size, size;
    if (varint(d, end, &pos, &base_size) || varint(d, end, &pos, &size)) {
        bad("delta header cut short");
        goto done;
    }
    if (base_size != (unsigned long long)base.len) {
        bad("delta base size mismatch");
        goto done;
    }
    if (size > (unsigned long long)PY_SSIZE_T_MAX) {
        bad("delta result too large");
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    fresh = PyList_New(0);
    if (out == NULL || fresh == NULL)
        goto done;
    unsigned char *o = (unsigned char *)PyBytes_AS_STRING(out);
    long long t = 0, fa = -1, fb = -1, copied_to = -1;
    while (pos < end) {
        unsigned char c = d[pos++];
        if (c & 0x80) {
            unsigned long long off = 0, n = 0;
            for (int i = 0; i < 4; i++)
                if (c & (1 << i)) {
                    if (pos >= end) { bad("delta cut short"); goto done; }
                    off |= (unsigned long long)d[pos++] << (8 * i);
                }
            for (int i = 0; i < 3; i++)
                if (c & (0x10 << i)) {
                    if (pos >= end) { bad("delta cut short"); goto done; }
                    n |= (unsigned long long)d[pos++] << (8 * i);
                }
            if (n == 0)
                n = 0x10000;
            if (off + n > base_size) { bad("delta copies past its base"); goto done; }
            if ((unsigned long long)t + n > size) { bad("delta result size mismatch"); goto done; }
            memcpy(o + t, b + off, (size_t)n);
            if (t && (long long)off != copied_to && w >= 0) {  /* a splice */
                if (t - w <= fb) {
                    fb = t + w;
                } else {
                    if ((fa >= 0 || fb >= 0) && push_range(fresh, fa, fb)) goto done;
                    fa = t - w;
                    fb = t + w;
                }
            }
            copied_to = (long long)(off + n);
            t += (long long)n;
        } else if (c) {
            if (pos + c > end) { bad("delta cut short"); goto done; }
            if ((unsigned long long)t + c > size) { bad("delta result size mismatch"); goto done; }
            memcpy(o + t, d + pos, c);
            pos += c;
            if (w >= 0) {
                if (t - w <= fb) {
                    if (t + c + w > fb)
                        fb = t + c + w;
                } else {
                    if ((fa >= 0 || fb >= 0) && push_range(fresh, fa, fb)) goto done;
                    fa = t - w;
                    fb = t + c + w;
                }
            }
            copied_to = -1;
            t += c;
        } else {
            bad("delta opcode 0");
            goto done;
        }
    }
    if ((unsigned long long)t != size) { bad("delta result size mismatch"); goto done; }
    if (fb >= 0 && push_range(fresh, fa, fb)) goto done;
    Py_ssize_t nr = PyList_GET_SIZE(fresh);
    if (nr) {  /* clip to the result */
        PyObject *first = PyList_GET_ITEM(fresh, 0);
        long long a0 = PyLong_AsLongLong(PyTuple_GET_ITEM(first, 0));
        long long b0 = PyLong_AsLongLong(PyTuple_GET_ITEM(first, 1));
        if (a0 < 0) {
            PyObject *t0 = Py_BuildValue("(LL)", 0LL, b0);
            if (t0 == NULL || PyList_SetItem(fresh, 0, t0)) goto done;
        }
        PyObject *last = PyList_GET_ITEM(fresh, nr - 1);
        long long a1 = PyLong_AsLongLong(PyTuple_GET_ITEM(last, 0));
        long long b1 = PyLong_AsLongLong(PyTuple_GET_ITEM(last, 1));
        if (b1 > t) {
            PyObject *t1 = Py_BuildValue("(LL)", a1, t);
            if (t1 == NULL || PyList_SetItem(fresh, nr - 1, t1)) goto done;
        }
    }
    result = PyTuple_Pack(2, out, fresh);
done:
    Py_XDECREF(out);
    Py_XDECREF(fresh);
    PyBuffer_Release(&base);
    PyBuffer_Release(&delta);
    return result;
}

/* One object header at buf[off]: type, size, and where its data starts. */
static int
header(const unsigned char *buf, Py_ssize_t len, Py_ssize_t off, int *type,
       unsigned long long *size, Py_ssize_t *at)
{
    if (off < 0 || off >= len)
        return -1;
    unsigned char c = buf[off++];
    *type = (c >> 4) & 7;
    unsigned long long s = c & 15;
    int shift = 4;
    while (c & 0x80) {
        if (off >= len || shift > 57)
            return -1;
        c = buf[off++];
        s |= (unsigned long long)(c & 0x7f) << shift;
        shift += 7;
    }
    *size = s;
    *at = off;
    return 0;
}

static PyObject *
pack_headers(PyObject *self, PyObject *args)
{
    Py_buffer pack, offs;
    if (!PyArg_ParseTuple(args, "y*y*", &pack, &offs))
        return NULL;
    PyObject *types = NULL, *sizes = NULL, *bases = NULL, *refs = NULL, *result = NULL;
    const unsigned char *buf = pack.buf;
    const unsigned long long *off = offs.buf;
    Py_ssize_t n = offs.len / (Py_ssize_t)sizeof(unsigned long long);
    types = PyBytes_FromStringAndSize(NULL, n);
    sizes = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(unsigned long long));
    bases = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int));
    refs = PyList_New(0);
    if (!types || !sizes || !bases || !refs)
        goto done;
    unsigned char *t = (unsigned char *)PyBytes_AS_STRING(types);
    unsigned long long *sz = (unsigned long long *)PyBytes_AS_STRING(sizes);
    int *bs = (int *)PyBytes_AS_STRING(bases);
    for (Py_ssize_t pos = 0; pos < n; pos++) {
        int type;
        unsigned long long size;
        Py_ssize_t at;
        if (off[pos] > (unsigned long long)PY_SSIZE_T_MAX ||
                header(buf, pack.len, (Py_ssize_t)off[pos], &type, &size, &at)) {
            bad("object header outside the pack");
            goto done;
        }
        bs[pos] = -1;
        if (type == 6) {  /* offset delta: the base is earlier in this pack */
            if (at >= pack.len) { bad("object header outside the pack"); goto done; }
            unsigned char c = buf[at++];
            unsigned long long dist = c & 0x7f;
            while (c & 0x80) {
                if (at >= pack.len || dist > (1ULL << 56)) {
                    bad("object header outside the pack");
                    goto done;
                }
                c = buf[at++];
                dist = ((dist + 1) << 7) | (c & 0x7f);
            }
            if (dist == 0 || dist > off[pos]) { bad("delta base outside the pack"); goto done; }
            unsigned long long want = off[pos] - dist;
            Py_ssize_t lo = 0, hi = pos;  /* the base lies before: search [0, pos) */
            while (lo < hi) {
                Py_ssize_t mid = lo + (hi - lo) / 2;
                if (off[mid] < want) lo = mid + 1; else hi = mid;
            }
            if (lo >= pos || off[lo] != want) { bad("delta base outside the pack"); goto done; }
            t[pos] = t[lo];
            sz[pos] = sz[lo];
            bs[pos] = (int)lo;
            if (t[pos] == 0) {
                PyObject *p = PyLong_FromSsize_t(pos);
                if (p == NULL || PyList_Append(refs, p)) { Py_XDECREF(p); goto done; }
                Py_DECREF(p);
            }
        } else if (type == 7) {  /* reference delta: resolved by id, in Python */
            t[pos] = 0;
            sz[pos] = 0;
            PyObject *p = PyLong_FromSsize_t(pos);
            if (p == NULL || PyList_Append(refs, p)) { Py_XDECREF(p); goto done; }
            Py_DECREF(p);
        } else if (type >= 1 && type <= 4) {
            t[pos] = (unsigned char)type;
            sz[pos] = size;
        } else {
            bad("unknown object type");
            goto done;
        }
    }
    result = PyTuple_Pack(4, types, sizes, bases, refs);
done:
    Py_XDECREF(types);
    Py_XDECREF(sizes);
    Py_XDECREF(bases);
    Py_XDECREF(refs);
    PyBuffer_Release(&pack);
    PyBuffer_Release(&offs);
    return result;
}

static PyMethodDef methods[] = {
    {"pack_headers", pack_headers, METH_VARARGS,
     "Every object header of a pack, in offset order."},
    {"apply_delta_fresh", apply_delta_fresh, METH_VARARGS,
     "A delta applied to its base, and the result's fresh ranges widened by window."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_packloops", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit__packloops(void)
{
    return PyModule_Create(&module);
}
