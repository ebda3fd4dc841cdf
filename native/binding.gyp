{
  "targets": [
    {
      "target_name": "idem_native_avx2",
      "type": "static_library",
      "sources": ["src/isa_avx2.cc"],
      "cflags": ["-O3", "-fPIC"],
      "cflags_cc": ["-O3", "-std=c++17", "-fPIC", "-ffp-contract=off", "-fno-math-errno"],
      "cflags!": ["-O2"],
      "cflags_cc!": ["-O2"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-math-errno"] },
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"] }
        }]
      ]
    },
    {
      "target_name": "idem_native_avx512",
      "type": "static_library",
      "sources": ["src/isa_avx512.cc"],
      "cflags": ["-O3", "-fPIC"],
      "cflags_cc": ["-O3", "-std=c++17", "-fPIC", "-ffp-contract=off", "-fno-math-errno"],
      "cflags!": ["-O2"],
      "cflags_cc!": ["-O2"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-math-errno"] },
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma", "-mprefer-vector-width=512"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma", "-mprefer-vector-width=512"] }
        }]
      ]
    },
    {
      "target_name": "idem_native",
      "dependencies": ["idem_native_avx2", "idem_native_avx512"],
      "sources": ["src/addon.cc", "src/isa.cc", "src/isa_generic.cc", "src/gemm.cc", "src/elementwise.cc", "src/pool.cc", "src/kernel_fused.cc", "src/fused_napi.cc",
                  "src/conv.cc", "src/pool2d.cc", "src/softmax.cc", "src/norm.cc", "src/nn_napi.cc",
                  "src/vmath.cc", "src/rnn.cc", "src/gather.cc", "src/attention.cc", "src/seq_napi.cc"],
      "cflags": ["-O3"],
      "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-math-errno"],
      "cflags!": ["-O2"],
      "cflags_cc!": ["-O2", "-fno-exceptions"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-math-errno"] },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2 } }
    }
  ]
}
