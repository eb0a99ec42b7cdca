//! A Node-API module with one function, `encodeLines`, called by src/staging/nativeRows.ts:
//!
//!   encodeLines(config: Uint8Array, region: Uint8Array, prefix: Uint8Array, out: Uint8Array,
//!               cursor: Int32Array): 0 | 1 | 2
//!
//! cursor is [start, lineNo, outAt, room, rows]: where the next line begins in region, its number and
//! where its row goes in out, read and moved on; room is set when the call returns 2, rows to the
//! rows this call wrote (a cursor of 4 has no rows: the call writes the same bytes). Returns 0
//! when the region is done, 1 when the line at cursor's start needs the general path, 2 when the
//! next row needs `room` bytes free in out.

pub mod node_api;
pub mod rows;

use node_api::*;
use rows::{encode_lines, Cursor, Fields, LineParser, Stop};
use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

/// A typed array's bytes (of the expected kind), or None.
unsafe fn typed_array<'a, T>(env: napi_env, value: napi_value, expected: i32) -> Option<&'a mut [T]> {
    let mut kind = -1;
    let mut length = 0usize;
    let mut data: *mut c_void = ptr::null_mut();
    let mut buffer: napi_value = ptr::null_mut();
    let mut offset = 0usize;
    if napi_get_typedarray_info(env, value, &mut kind, &mut length, &mut data, &mut buffer, &mut offset) != NAPI_OK || kind != expected {
        return None;
    }
    if length == 0 {
        return Some(&mut []);
    }
    Some(std::slice::from_raw_parts_mut(data as *mut T, length))
}

fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let (a0, b0) = (a.as_ptr() as usize, b.as_ptr() as usize);
    !a.is_empty() && !b.is_empty() && a0 < b0 + b.len() && b0 < a0 + a.len()
}

unsafe fn throw(env: napi_env, message: &str) -> napi_value {
    let text = CString::new(message).unwrap_or_default();
    napi_throw_error(env, ptr::null(), text.as_ptr());
    ptr::null_mut()
}

unsafe fn encode_lines_call(env: napi_env, info: napi_callback_info) -> Result<i32, String> {
    let mut argc = 5usize;
    let mut argv: [napi_value; 5] = [ptr::null_mut(); 5];
    if napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) != NAPI_OK || argc != 5 {
        return Err("encodeLines takes (config, region, prefix, out, cursor)".into());
    }
    let config = typed_array::<u8>(env, argv[0], NAPI_UINT8_ARRAY).ok_or("encodeLines: config must be a Uint8Array")?;
    let region = typed_array::<u8>(env, argv[1], NAPI_UINT8_ARRAY).ok_or("encodeLines: region must be a Uint8Array")?;
    let prefix = typed_array::<u8>(env, argv[2], NAPI_UINT8_ARRAY).ok_or("encodeLines: prefix must be a Uint8Array")?;
    let out = typed_array::<u8>(env, argv[3], NAPI_UINT8_ARRAY).ok_or("encodeLines: out must be a Uint8Array")?;
    let cursor = typed_array::<i32>(env, argv[4], NAPI_INT32_ARRAY).ok_or("encodeLines: cursor must be an Int32Array")?;
    if cursor.len() < 4
        || cursor[0] < 0
        || cursor[0] as usize > region.len()
        || cursor[1] < 0
        || cursor[2] < 0
        || cursor[2] as usize > out.len()
    {
        return Err("encodeLines: cursor out of range".into());
    }
    if overlaps(out, region) || overlaps(out, prefix) {
        return Err("encodeLines: out must not share memory with region or prefix".into());
    }
    let fields = Fields::from_config(config).ok_or("encodeLines: config does not describe fields")?;
    let mut parser = LineParser::new(&fields);
    let mut at = Cursor {
        start: cursor[0] as usize,
        line_no: cursor[1] as u32,
        out_at: cursor[2] as usize,
        rows: 0,
    };
    let stop = encode_lines(&mut parser, region, prefix, out, &mut at);
    cursor[0] = at.start as i32;
    cursor[1] = at.line_no as i32;
    cursor[2] = at.out_at as i32;
    if cursor.len() > 4 {
        cursor[4] = at.rows as i32;
    }
    Ok(match stop {
        Stop::Done => 0,
        Stop::GeneralPath => 1,
        Stop::NeedRoom(room) => {
            cursor[3] = room as i32;
            2
        }
    })
}

unsafe extern "C" fn encode_lines_js(env: napi_env, info: napi_callback_info) -> napi_value {
    match catch_unwind(AssertUnwindSafe(|| encode_lines_call(env, info))) {
        Ok(Ok(status)) => {
            let mut result: napi_value = ptr::null_mut();
            napi_create_int32(env, status, &mut result);
            result
        }
        Ok(Err(message)) => throw(env, &message),
        Err(_) => throw(env, "encodeLines: the native row encoder failed"),
    }
}

/// # Safety
/// Called by Node when it loads the module, with a valid env and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi_env, exports: napi_value) -> napi_value {
    let name = b"encodeLines\0";
    let mut function: napi_value = ptr::null_mut();
    if napi_create_function(
        env,
        name.as_ptr() as *const c_char,
        name.len() - 1,
        encode_lines_js,
        ptr::null_mut(),
        &mut function,
    ) == NAPI_OK
    {
        napi_set_named_property(env, exports, name.as_ptr() as *const c_char, function);
    }
    exports
}
