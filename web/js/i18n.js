// Chinese first (the candidates' language), English on request; the choice is remembered.
// Data from the API carries both: `name`/`nameEn`, `statusLabel`/`statusLabelEn`, `message`/`messageZh`.

const STRINGS = {
  zh: {
    title: '医师资格考试 材料在线审核', langToggle: 'English', signOut: '退出', signIn: '登录',
    signInHint: '本地演示环境:选择一个演示账号登录。', signInCognito: '使用统一身份认证登录',
    signInCognitoHint: '请使用报名时的账号登录。', signInOidc: '使用报名系统账号登录',
    signInOidcHint: '本地演示环境:选择一个演示账号,经报名系统(本地替身)授权后登录。', signInDenied: '您未同意授权,未能登录。',
    myApplications: '我的报名', noApplications: '暂无报名信息。',
    uploadMaterials: '上传相关材料', back: '返回', examYear: '考试年度', category: '类别', region: '考区', site: '考点',
    application: '报名号', progress: '当前进度', reviewComments: '审核意见', requests: '需补充的材料',
    required: '必传', optional: '选传', sample: '示例图片', upload: '上传', add: '添加', delete: '删除',
    approvedCheck: '已审核通过', processing: '处理中…', uploading: '上传中', compressing: '正在压缩…',
    original: '原图', compressed: '上传', invalid: '未通过检查', needsRevision: '需重新上传',
    submitted: '已提交', approved: '已审核通过', pending: '等待上传', howToFix: '处理方法',
    cannotDecode: '无法识别该文件为图片。请选择 JPG 或 PNG 照片。',
    heicFailed: '这张 HEIC 照片无法转换。请在苹果手机“设置 > 相机 > 格式”中选择“兼容性最佳”后重拍,或将照片导出为 JPG。',
    pdf: '不接受 PDF 文件。请直接拍摄证件,或将 PDF 页面截图,再上传照片(JPG/PNG)。', cancel: '取消',
    heicLoading: '正在转换 HEIC 照片…', tooComplex: '照片压缩后仍超过 200 KB,请裁掉多余背景后重试。',
    uploadFailed: '上传失败,请检查网络后重试。', requestedMore: '请补充 {count} 张', timeline: '办理记录',
    statusOf: '状态', levelSITE: '考点', levelREGION: '考区', none: '无', loading: '加载中…',
    sessionExpired: '登录已过期,请重新登录。', error: '出错了', networkError: '网络错误,请重试。',
    incomplete: '未齐全', complete: '已齐全', noPageForRole: '您的角色没有可用的页面。', candidateName: '姓名',
    idNumber: '证件号码', imageN: '第 {n} 张', underMinute: '<1 分钟', minutes: '{n} 分钟', hours: '{n} 小时', days: '{n} 天',
    w_BLURRY: '模糊', w_TOO_DARK: '太暗', w_OVEREXPOSED: '过曝', w_GLARE: '反光', w_CUT_OFF: '不完整', w_DUPLICATE: '重复',
  },
  en: {
    title: 'Physician qualification exam · materials review', langToggle: '中文', signOut: 'Sign out', signIn: 'Sign in',
    signInHint: 'Local demo: choose a demo account.', signInCognito: 'Sign in', signInCognitoHint: 'Use the account you registered with.',
    signInOidc: 'Sign in with your registration account',
    signInOidcHint: 'Local demo: choose a demo account; the registration system (local stand-in) asks you to authorise it.',
    signInDenied: 'You did not authorise the sign-in.',
    myApplications: 'My applications', noApplications: 'No applications yet.', uploadMaterials: 'Upload materials',
    back: 'Back', examYear: 'Exam year', category: 'Category', region: 'Exam region', site: 'Exam site',
    application: 'Application', progress: 'Progress', reviewComments: 'Review comments', requests: 'Materials to add',
    required: 'Required', optional: 'Optional', sample: 'Sample', upload: 'Upload', add: 'Add', delete: 'Delete',
    approvedCheck: 'Approved', processing: 'Processing…', uploading: 'Uploading', compressing: 'Compressing…',
    original: 'Original', compressed: 'Upload', invalid: 'Not accepted', needsRevision: 'Please replace',
    submitted: 'Submitted', approved: 'Approved', pending: 'Waiting for the file', howToFix: 'How to fix',
    cannotDecode: 'This file cannot be read as a picture. Choose a JPG or PNG photo.',
    heicFailed: 'This HEIC photo cannot be converted. On the iPhone set Settings > Camera > Formats to "Most Compatible" and take it again, or export the photo as JPG.',
    pdf: 'PDF files are not accepted. Take a photo of the document, or a screenshot of the PDF page, and upload that (JPG/PNG).', cancel: 'Cancel',
    heicLoading: 'Converting the HEIC photo…', tooComplex: 'Even compressed the photo is over 200 KB: crop away the background and try again.',
    uploadFailed: 'The upload failed. Check the connection and try again.', requestedMore: 'Please add {count} more', timeline: 'History',
    statusOf: 'Status', levelSITE: 'Exam site', levelREGION: 'Exam region', none: 'None', loading: 'Loading…',
    sessionExpired: 'Your session has expired. Please sign in again.', error: 'Error', networkError: 'Network error, please try again.',
    incomplete: 'Incomplete', complete: 'Complete', noPageForRole: 'There is no page for your role.', candidateName: 'Name',
    idNumber: 'ID number', imageN: 'no. {n}', underMinute: '<1 min', minutes: '{n} min', hours: '{n} h', days: '{n} d',
    w_BLURRY: 'blurred', w_TOO_DARK: 'too dark', w_OVEREXPOSED: 'overexposed', w_GLARE: 'glare', w_CUT_OFF: 'cut off', w_DUPLICATE: 'duplicate',
  },
};

let lang = localStorage.getItem('lang') === 'en' ? 'en' : 'zh';
const listeners = [];

export function getLang() { return lang; }

export function extend(extra) {
  for (const code of Object.keys(STRINGS)) Object.assign(STRINGS[code], extra[code] || {});
}

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** A duration in words: minutes under an hour, hours under two days, then days. */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return t('underMinute');
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t('minutes', { n: minutes });
  if (minutes < 48 * 60) return t('hours', { n: Math.round(minutes / 60) });
  return t('days', { n: Math.round(minutes / 1440) });
}

/** The short name of a quality warning code (its how-to-fix text comes from the API). */
export function warningName(code) { return STRINGS[lang][`w_${code}`] ?? code; }

/** A field the API gives in Chinese as `field` and in English as `fieldEn`. */
export function pick(obj, field) {
  if (!obj) return '';
  return (lang === 'en' ? obj[`${field}En`] : null) ?? obj[field] ?? '';
}

/** A message the API gives in English as `field` and in Chinese as `fieldZh`. */
export function msg(obj, field) {
  if (!obj) return '';
  return (lang === 'zh' ? obj[`${field}Zh`] : null) ?? obj[field] ?? '';
}

export function setLang(code) {
  lang = code;
  localStorage.setItem('lang', code);
  document.documentElement.lang = code === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  for (const fn of listeners) fn();
}

export function onLangChange(fn) { listeners.push(fn); }

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
