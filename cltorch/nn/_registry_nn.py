"""nn.functional's ops in the op registry, so docs/ops.md lists the layer kernels beside the tensor ops.

Dtypes: the floating types the layers are built and tested for (float32, float64; softmax also float16).
Every op here has a backward except one_hot.
"""
from __future__ import annotations

from .._registry import mark_backward, register

_F64 = "float32 float64"
_FAMILIES = {
    "nn: activations": ("celu elu gelu glu hardshrink hardsigmoid hardswish hardtanh leaky_relu logsigmoid mish "
                        "prelu relu relu6 selu sigmoid silu softplus softshrink softsign tanh tanhshrink threshold"),
    "nn: softmax": "softmax log_softmax softmin",
    "nn: losses": ("binary_cross_entropy binary_cross_entropy_with_logits cosine_embedding_loss cross_entropy "
                   "gaussian_nll_loss hinge_embedding_loss huber_loss kl_div l1_loss margin_ranking_loss "
                   "mse_loss multi_margin_loss multilabel_soft_margin_loss nll_loss poisson_nll_loss "
                   "smooth_l1_loss soft_margin_loss triplet_margin_loss"),
    "nn: normalization": "batch_norm group_norm instance_norm layer_norm normalize",
    "nn: convolution and pooling": ("conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d "
                                    "unfold fold max_pool1d max_pool2d avg_pool1d avg_pool2d adaptive_avg_pool1d "
                                    "adaptive_avg_pool2d adaptive_max_pool1d adaptive_max_pool2d lp_pool1d "
                                    "lp_pool2d max_unpool1d max_unpool2d interpolate"),
    "nn: linear, embedding, dropout, shape": ("linear bilinear embedding embedding_bag dropout dropout1d dropout2d "
                                              "dropout3d alpha_dropout feature_alpha_dropout pad "
                                              "cosine_similarity pairwise_distance"),
}

for _family, _names in _FAMILIES.items():
    _dtypes = "float16 float32 float64" if _family == "nn: softmax" else _F64
    register(_names, _family, _dtypes, forms=("functional",))
    mark_backward(_names)
register("softmax log_softmax", "nn: softmax", "float16 float32 float64", forms=("function", "method"))
register("one_hot", "nn: linear, embedding, dropout, shape", "int64", forms=("functional",))
